using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Hosting;

/// <summary>
/// README's configuration table lists exactly the keys the options classes bind, with their defaults.
/// Every <c>XxxOptions</c> type with a <c>Section</c> constant is read by reflection, so a new settings
/// group is checked as soon as it exists.
/// </summary>
public partial class ConfigurationTableTests
{
    /// <summary>Rows that are not an options group: the host's own settings, and the groups read by their own loaders.</summary>
    private static readonly string[] NotOptions = ["ConnectionStrings", "Urls", "ASPNETCORE_ENVIRONMENT", "Tls", "Trust", "Operators", "Intake", "Grpc", "OTEL_EXPORTER_OTLP_ENDPOINT"];

    private static readonly Lazy<IReadOnlyList<(string[] Keys, string Default)>> Rows = new(ReadTable);

    public static IEnumerable<object[]> OptionsTypes() =>
        typeof(Program).Assembly.GetTypes()
            .Where(t => t.Name.EndsWith("Options", StringComparison.Ordinal) && t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .Select(t => new object[] { t.FullName! });

    [Fact]
    public void The_REST_settings_groups_are_options_classes()
    {
        var sections = OptionsTypes().Select(t => Section(Type(t))).ToList();
        foreach (var expected in new[] { "Delays", "Cards", "Contract", "Renewal", "Database", "DataProtection", "Bench" })
        {
            Assert.Contains(expected, sections);
        }
    }

    [Theory]
    [MemberData(nameof(OptionsTypes))]
    public void Every_bound_key_is_in_README_with_its_default(string typeName)
    {
        var type = Type(typeName);
        var section = Section(type);
        var defaults = Activator.CreateInstance(type)!;
        foreach (var property in Settable(type))
        {
            var key = $"{section}__{property.Name}";
            if (!IsScalar(property.PropertyType))
            {
                Assert.True(Rows.Value.Any(r => r.Keys.Any(k => k.StartsWith(key + "__", StringComparison.Ordinal))), $"README lists no {key}__… row");
                continue;
            }

            var row = Rows.Value.FirstOrDefault(r => r.Keys.Contains(key));
            Assert.True(row.Keys is not null, $"README's configuration table has no row for {key}");
            if (property.GetValue(defaults) is { } value)
            {
                var documented = Backticked(row.Default);
                var index = Array.IndexOf(row.Keys, key);
                Assert.True(documented.Length > index, $"README gives no default for {key}");
                Assert.Equal(Format(value), documented[index]);
            }
        }
    }

    [Fact]
    public void Every_README_key_is_bound_by_an_options_class_or_is_a_host_setting()
    {
        var types = OptionsTypes().Select(t => Type((string)t[0])).ToDictionary(Section);
        foreach (var key in Rows.Value.SelectMany(r => r.Keys))
        {
            var parts = key.Split("__");
            if (!types.TryGetValue(parts[0], out var type))
            {
                Assert.Contains(parts[0], NotOptions);
                continue;
            }

            Assert.True(parts.Length > 1 && Settable(type).Any(p => p.Name == parts[1]), $"README lists {key}, which {type.Name} does not bind");
        }
    }

    private static Type Type(string name) => typeof(Program).Assembly.GetType(name)!;

    private static Type Type(object[] row) => Type((string)row[0]);

    private static string Section(Type type) => (string)type.GetField("Section", BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic);

    private static bool IsScalar(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan);
    }

    private static string Format(object value) => value switch
    {
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    private static string[] Backticked(string cell) => BacktickedPattern().Matches(cell).Select(m => m.Groups[1].Value).ToArray();

    /// <summary>
    /// The rows of README's settings tables (a first column headed "variable" or "setting"): the keys of each
    /// row and its default. A row whose key ends with "…" points to another table and is skipped.
    /// </summary>
    private static IReadOnlyList<(string[] Keys, string Default)> ReadTable()
    {
        var rows = new List<(string[], string)>();
        var inTable = false;
        foreach (var line in File.ReadAllLines(Repository.File("README.md")))
        {
            if (line.StartsWith("| variable ", StringComparison.Ordinal) || line.StartsWith("| setting ", StringComparison.Ordinal))
            {
                inTable = true;
                continue;
            }

            if (!line.StartsWith('|'))
            {
                inTable = false;
                continue;
            }

            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (inTable && !cells[1].StartsWith("---", StringComparison.Ordinal) && !cells[1].Contains('…'))
            {
                rows.Add((Backticked(cells[1]), cells[^2]));
            }
        }

        Assert.NotEmpty(rows);
        return rows;
    }

    [GeneratedRegex("`([^`]*)`")]
    private static partial Regex BacktickedPattern();
}
