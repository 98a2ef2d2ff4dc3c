using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Hosting;

/// <summary>README's layout table names every folder of the service and of the repository's root.</summary>
public class ReadmeLayoutTests
{
    [Fact]
    public void README_layout_table_lists_every_folder_of_the_service_and_the_root()
    {
        var readme = File.ReadAllText(Repository.File("README.md"));
        var layout = readme[readme.IndexOf("## Layout", StringComparison.Ordinal)..];
        layout = layout[..layout.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        // Folders git ignores (build output, test results, local data) are not the repository's.
        var ignored = File.ReadAllLines(Repository.File(".gitignore")).Where(l => l.EndsWith('/') && l.IndexOf('/') == l.Length - 1)
            .Select(l => l.TrimEnd('/')).Append(".git").ToHashSet();
        var api = Directory.GetDirectories(Repository.File("api")).Select(Path.GetFileName).Where(d => !ignored.Contains(d!)).Select(d => $"`api/{d}/`");
        var root = Directory.GetDirectories(Repository.Root).Select(Path.GetFileName).Where(d => !ignored.Contains(d!)).Select(d => $"`{d}/");
        Assert.All(api.Concat(root), folder => Assert.Contains(folder, layout));
    }
}
