using System.Collections.Frozen;
using System.Text.Json;

namespace CpxTeleservice.Problems;

/// <summary>
/// The problem types in each language the service speaks, read from one resource table per language
/// (<c>Resources/problems.{language}.json</c>, embedded in the assembly). French is the default;
/// English is answered to a caller whose <c>Accept-Language</c> prefers it. The <c>type</c> never
/// depends on the language.
/// </summary>
internal sealed class ProblemCatalog
{
    public const string French = "fr";
    public const string English = "en";

    /// <summary>The languages, the default first.</summary>
    public static readonly string[] Languages = [French, English];

    // Declared before Instance: static initialisers run in order, and Load reads these.
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private readonly FrozenDictionary<string, FrozenDictionary<string, ProblemText>> _byLanguage;

    private ProblemCatalog(FrozenDictionary<string, FrozenDictionary<string, ProblemText>> byLanguage) => _byLanguage = byLanguage;

    public static ProblemCatalog Instance { get; } = Load();

    /// <summary>Every slug, in the order of the default language's table.</summary>
    public IReadOnlyList<string> Slugs { get; private init; } = [];

    /// <summary>The slug's text in that language (the default language when it is not one the service speaks), or null for an unknown slug.</summary>
    public ProblemText? Find(string slug, string? language) =>
        (_byLanguage.TryGetValue(Language(language), out var table) ? table : _byLanguage[French]).GetValueOrDefault(slug);

    /// <summary>One of <see cref="Languages"/>: the two-letter language of a culture name, or the default.</summary>
    public static string Language(string? cultureName) =>
        cultureName is { Length: >= 2 } && cultureName[..2].Equals(English, StringComparison.OrdinalIgnoreCase) ? English : French;

    /// <summary>The table of one language, in its file's order.</summary>
    public static IReadOnlyList<KeyValuePair<string, ProblemText>> ReadTable(string language)
    {
        var name = $"CpxTeleservice.Problems.Resources.problems.{language}.json";
        using var stream = typeof(ProblemCatalog).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The resource {name} is missing from the assembly.");
        var table = JsonSerializer.Deserialize<Dictionary<string, ProblemText>>(stream, JsonOptions)
            ?? throw new InvalidOperationException($"The resource {name} is empty.");
        return [.. table];
    }

    private static ProblemCatalog Load()
    {
        var tables = Languages.ToDictionary(l => l, ReadTable);
        return new ProblemCatalog(tables.ToFrozenDictionary(t => t.Key, t => t.Value.ToFrozenDictionary()))
        {
            Slugs = [.. tables[French].Select(e => e.Key)],
        };
    }
}
