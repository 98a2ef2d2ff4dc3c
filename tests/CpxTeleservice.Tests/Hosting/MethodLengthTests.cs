using System.Text.RegularExpressions;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Hosting;

/// <summary>
/// No method of the service is longer than 60 lines, from its signature line to its closing brace: a longer
/// one is split into steps named after the business or protocol steps they are. Methods are found by their
/// layout, as the code is formatted: a line that opens with an access modifier and holds a '(' (not a type
/// declaration, not an expression body), whose '{' follows within 15 lines at the same indentation; the
/// method ends at the first '}' at that indentation.
/// </summary>
public partial class MethodLengthTests
{
    private const int MaxLines = 60;

    [Fact]
    public void No_method_of_the_service_is_longer_than_60_lines()
    {
        var api = Repository.File("api");
        var files = Directory.GetFiles(api, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(api, f).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(files.Count > 20, "the sources of api/ were not found");

        var offenders = files
            .SelectMany(file => LongMethods(File.ReadAllText(file))
                .Select(m => $"{Path.GetRelativePath(Repository.Root, file)}:{m.Line} {m.Length} lines: {m.Signature}"))
            .ToList();
        Assert.True(offenders.Count == 0,
            $"Methods longer than {MaxLines} lines (split each into named steps):\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void The_method_scanner_counts_from_the_signature_to_the_closing_brace()
    {
        string Method(string name, int bodyLines) =>
            $"    public async Task<int> {name}(int a,\n        int b)\n    {{\n"
            + string.Concat(Enumerable.Repeat("        a++;\n", bodyLines))
            + "    }\n";
        var source = "public sealed class Sample\n{\n"
            + "    public int Short(int a) => a;\n"
            + "    protected abstract void Declared(int a);\n"
            + Method("Sixty", 56)
            + "    private sealed record Nested(int A);\n"
            + Method("SixtyOne", 57)
            + "}\n";

        var found = LongMethods(source).ToList();

        var (line, length, signature) = Assert.Single(found);
        Assert.Equal(66, line);
        Assert.Equal(61, length);
        Assert.StartsWith("public async Task<int> SixtyOne(", signature);
    }

    /// <summary>The methods of <paramref name="source"/> longer than <see cref="MaxLines"/>: their first line (1-based), length and signature.</summary>
    private static IEnumerable<(int Line, int Length, string Signature)> LongMethods(string source)
    {
        var lines = source.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var signature = MethodSignature().Match(lines[i]);
            if (!signature.Success || TypeDeclaration().IsMatch(lines[i]) || lines[i].Contains("=>", StringComparison.Ordinal))
            {
                continue;
            }

            var indent = signature.Groups[1].Length;
            if (OpeningBrace(lines, i, indent) is not { } open)
            {
                continue;
            }

            var close = open + 1;
            while (close < lines.Length && !IsBraceAt(lines[close], '}', indent))
            {
                close++;
            }

            var length = close - i + 1;
            if (length > MaxLines)
            {
                yield return (i + 1, length, lines[i].Trim());
            }

            i = close;
        }
    }

    /// <summary>The line of the body's '{', within 15 lines of the signature; null for a declaration or an expression body.</summary>
    private static int? OpeningBrace(string[] lines, int signature, int indent)
    {
        var j = signature;
        while (j < lines.Length && !IsBraceAt(lines[j], '{', indent))
        {
            if (lines[j].TrimEnd().EndsWith(';') || lines[j].Contains("=>", StringComparison.Ordinal))
            {
                return null;
            }

            j++;
            if (j - signature > 15)
            {
                return null;
            }
        }

        return j;
    }

    private static bool IsBraceAt(string line, char brace, int indent) =>
        line.Trim() == brace.ToString() && line.Length - line.TrimStart().Length == indent;

    [GeneratedRegex(@"^(\s*)(public|private|internal|protected)\b.*\(")]
    private static partial Regex MethodSignature();

    [GeneratedRegex(@"\b(class|record|struct|interface|enum)\b")]
    private static partial Regex TypeDeclaration();
}
