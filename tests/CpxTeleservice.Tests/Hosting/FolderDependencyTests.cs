using System.Text.RegularExpressions;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Hosting;

/// <summary>
/// The folders of the service depend on one another without a cycle: a feature can be read (and
/// changed) from the folders it names, down to <c>Infrastructure</c>, which names none. The files at
/// the root of <c>api/</c> compose the features and are not a folder.
/// </summary>
public partial class FolderDependencyTests
{
    [Fact]
    public void No_folder_of_the_service_depends_on_itself_through_others()
    {
        var graph = FolderGraph(Repository.File("api"));
        Assert.True(graph.Count > 5, "the folders of api/ were not found");
        Assert.Null(FindCycle(graph));
    }

    [Fact]
    public void Infrastructure_depends_on_no_feature()
    {
        Assert.Empty(FolderGraph(Repository.File("api"))["Infrastructure"]);
    }

    [Fact]
    public void The_cycle_finder_names_a_cycle_and_accepts_layers()
    {
        var layered = new Dictionary<string, HashSet<string>>
        {
            ["Orders"] = ["Security", "Infrastructure"], ["Security"] = ["Infrastructure"], ["Infrastructure"] = [],
        };
        Assert.Null(FindCycle(layered));
        layered["Infrastructure"].Add("Orders");
        Assert.Equal("Infrastructure -> Orders -> Infrastructure", FindCycle(layered));
    }

    /// <summary>For each folder of api/, the other folders whose namespace its files name.</summary>
    private static Dictionary<string, HashSet<string>> FolderGraph(string api)
    {
        var ignored = new HashSet<string>(StringComparer.Ordinal) { "bin", "obj" };
        var folders = Directory.GetDirectories(api).Select(Path.GetFileName).OfType<string>().Where(f => !ignored.Contains(f)).ToHashSet(StringComparer.Ordinal);
        return folders.ToDictionary(folder => folder, folder => Directory.GetFiles(Path.Combine(api, folder), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => File.ReadLines(file).Where(line => !line.StartsWith("namespace ", StringComparison.Ordinal)))
            .SelectMany(line => NamespaceReference().Matches(line).Select(m => m.Groups[1].Value))
            .Where(other => other != folder && folders.Contains(other))
            .ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>The first cycle found, as "A -> B -> A"; null when there is none.</summary>
    private static string? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();

        string? Visit(string node)
        {
            var at = path.IndexOf(node);
            if (at >= 0)
            {
                return string.Join(" -> ", path.Skip(at).Append(node));
            }

            if (!done.Add(node))
            {
                return null;
            }

            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node, []).Order(StringComparer.Ordinal))
            {
                if (Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            return null;
        }

        return graph.Keys.Order(StringComparer.Ordinal).Select(Visit).FirstOrDefault(c => c is not null);
    }

    [GeneratedRegex(@"\bCpxTeleservice\.([A-Z][A-Za-z]*)\b")]
    private static partial Regex NamespaceReference();
}
