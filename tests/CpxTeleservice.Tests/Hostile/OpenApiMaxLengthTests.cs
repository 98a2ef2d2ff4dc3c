using System.Text.RegularExpressions;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Hostile;

/// <summary>
/// Every free-text string a request body carries (a string without an enum, a format or a pattern) states
/// in openapi.yaml the length the service enforces (<c>Limits__MaxStringLength</c>, README "Limits").
/// </summary>
public partial class OpenApiMaxLengthTests
{
    private static readonly string[] Lines = File.ReadAllText(Repository.File("openapi.yaml")).Split('\n');

    private static int Indent(string line) => line.Length - line.TrimStart(' ').Length;

    /// <summary>The lines nested under line <paramref name="at"/>.</summary>
    private static IEnumerable<string> Block(int at)
    {
        var indent = Indent(Lines[at]);
        for (var i = at + 1; i < Lines.Length && (Lines[i].Trim().Length == 0 || Indent(Lines[i]) > indent); i++)
        {
            yield return Lines[i];
        }
    }

    private static int SchemaLine(string name) => Array.FindIndex(Lines, l => l == $"    {name}:");

    /// <summary>Each request body's lines, and those of every schema they reference, transitively.</summary>
    private static Dictionary<string, List<string>> RequestSchemas()
    {
        var blocks = new Dictionary<string, List<string>>();
        var pending = new Queue<(string Name, List<string> Lines)>();
        for (var i = 0; i < Lines.Length; i++)
        {
            if (Lines[i].Trim() == "requestBody:")
            {
                pending.Enqueue(($"request body at line {i + 1}", Block(i).ToList()));
            }
        }

        while (pending.TryDequeue(out var item))
        {
            blocks[item.Name] = item.Lines;
            foreach (Match reference in item.Lines.SelectMany(l => SchemaReference().Matches(l)))
            {
                var name = reference.Groups[1].Value;
                if (!blocks.ContainsKey(name) && pending.All(p => p.Name != name))
                {
                    var at = SchemaLine(name);
                    Assert.True(at >= 0, $"schema {name} not found");
                    pending.Enqueue((name, Block(at).ToList()));
                }
            }
        }

        return blocks;
    }

    /// <summary>The string properties of a block: name, and the keywords of their own lines.</summary>
    private static IEnumerable<(string Name, Dictionary<string, string> Keywords)> StringProperties(List<string> block)
    {
        for (var i = 0; i + 1 < block.Count; i++)
        {
            var property = Regex.Match(block[i], @"^(\s+)([A-Za-z]+):\s*$");
            if (!property.Success || !Regex.IsMatch(block[i + 1], @"^\s+type: (string|\[string, 'null'\])\s*$") || Indent(block[i + 1]) != Indent(block[i]) + 2)
            {
                continue;
            }

            var keywords = new Dictionary<string, string>();
            for (var j = i + 1; j < block.Count && Indent(block[j]) > Indent(block[i]); j++)
            {
                if (Indent(block[j]) == Indent(block[i]) + 2 && Regex.Match(block[j], @"^\s+([A-Za-z]+):\s*(.*)$") is { Success: true } keyword)
                {
                    keywords[keyword.Groups[1].Value] = keyword.Groups[2].Value.Trim();
                }
            }

            yield return (property.Groups[2].Value, keywords);
        }
    }

    [Fact]
    public void Every_free_text_string_of_a_request_body_has_the_enforced_maxLength()
    {
        var enforced = new LimitsOptions().MaxStringLength;
        var schemas = RequestSchemas();
        Assert.Contains("HolderInput", schemas.Keys); // reached through CreateOrderRequest's oneOf
        var checkedFields = new List<string>();
        var missing = new List<string>();
        foreach (var (schema, block) in schemas)
        {
            foreach (var (name, keywords) in StringProperties(block))
            {
                if (keywords.ContainsKey("enum") || keywords.ContainsKey("format") || keywords.ContainsKey("pattern"))
                {
                    continue;
                }

                checkedFields.Add($"{schema}.{name}");
                if (!keywords.TryGetValue("maxLength", out var maxLength) || int.Parse(maxLength) > enforced)
                {
                    missing.Add($"{schema}.{name} (maxLength {(maxLength ?? "missing")})");
                }
            }
        }

        Assert.True(checkedFields.Count >= 15, $"only {checkedFields.Count} free-text fields found: {string.Join(", ", checkedFields)}");
        Assert.True(missing.Count == 0, $"free-text request strings without maxLength ≤ {enforced}: {string.Join(", ", missing)}");
    }

    [GeneratedRegex(@"\$ref: '#/components/schemas/([A-Za-z]+)'")]
    private static partial Regex SchemaReference();
}
