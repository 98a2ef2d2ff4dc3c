using System.Text.RegularExpressions;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Hosting;

/// <summary>
/// Every source file of the service holds one top-level type, named after the file, so that a type is
/// found by its name. Top-level types are the declarations that open a line (file-scoped namespaces);
/// <c>Program.cs</c> holds the top-level statements and no type.
/// </summary>
public partial class TypePerFileTests
{
    [Fact]
    public void Every_file_of_the_service_holds_one_top_level_type_named_after_it()
    {
        var api = Repository.File("api");
        var files = Directory.GetFiles(api, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(api, f).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Where(f => Path.GetFileName(f) != "Program.cs")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(files.Count > 20, "the sources of api/ were not found");

        var offenders = files
            .Select(file => (File: file, Types: TopLevelTypes(File.ReadAllText(file))))
            .Where(f => f.Types.Count != 1 || f.Types[0] != Path.GetFileNameWithoutExtension(f.File))
            .Select(f => $"{Path.GetRelativePath(Repository.Root, f.File)}: {string.Join(", ", f.Types)}")
            .ToList();
        Assert.True(offenders.Count == 0, "Files that do not hold exactly one top-level type named after them:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void The_type_scanner_finds_each_top_level_declaration_and_not_nested_ones()
    {
        const string source = """
            namespace X;

            /// <summary>A.</summary>
            public sealed partial class Alpha<T>
            {
                private sealed record Nested(int A);
            }

            internal readonly record struct Beta(int B);
            public enum Gamma { One }
            """;
        Assert.Equal(["Alpha", "Beta", "Gamma"], TopLevelTypes(source));
    }

    internal static List<string> TopLevelTypes(string source) =>
        TopLevelType().Matches(source).Select(m => m.Groups["name"].Value).ToList();

    [GeneratedRegex(@"^(?:(?:public|internal|file|static|sealed|abstract|partial|readonly)\s+)*(?:class|record\s+struct|record|struct|interface|enum)\s+(?<name>\w+)", RegexOptions.Multiline)]
    private static partial Regex TopLevelType();
}
