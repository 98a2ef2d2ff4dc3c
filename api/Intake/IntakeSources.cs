namespace CpxTeleservice.Intake;

/// <summary>Who feeds the intake: an Ordre (RPPS professions) or an ARS (ADELI professions, visas).</summary>
public enum IntakeKind
{
    Ordre,
    Ars,
}

/// <summary>
/// An intake source, from configuration (<c>Intake__Sources__N__…</c>): the organisation certificate
/// whose OU is <see cref="IdNatStruct"/> speaks for it (contract.md, Identity).
/// </summary>
public sealed class IntakeSource
{
    /// <summary>IdNat_Struct, the OU of the source's organisation certificate.</summary>
    public string IdNatStruct { get; set; } = "";

    /// <summary><c>ordre</c> or <c>ars</c>: which intake service the source may call.</summary>
    public IntakeKind Kind { get; set; }

    /// <summary>A name for logs and audit (e.g. "Ordre national des infirmiers").</summary>
    public string Name { get; set; } = "";

    /// <summary>TRE_G15 codes of the professions the source may register.</summary>
    public List<string> Professions { get; set; } = [];

    /// <summary>For an ARS, the départements it covers (01…95, 2A, 2B, 971…976).</summary>
    public List<string> Departements { get; set; } = [];
}

/// <summary>The configured intake sources, checked at start-up so that a bad setting stops the start.</summary>
public sealed class IntakeSettings
{
    private readonly Dictionary<string, IntakeSource> _byIdNatStruct;

    public IntakeSettings(IReadOnlyList<IntakeSource> sources)
    {
        Sources = sources;
        _byIdNatStruct = new Dictionary<string, IntakeSource>(StringComparer.Ordinal);
        for (var i = 0; i < sources.Count; i++)
        {
            var source = sources[i];
            if (source.IdNatStruct.Length == 0 || source.Name.Length == 0)
            {
                throw new InvalidOperationException($"Intake__Sources__{i}: IdNatStruct and Name are required.");
            }

            if (source.Kind == IntakeKind.Ars && source.Departements.Count == 0)
            {
                throw new InvalidOperationException($"Intake__Sources__{i} is an ARS: list its départements (Intake__Sources__{i}__Departements__0, …).");
            }

            if (!_byIdNatStruct.TryAdd(source.IdNatStruct, source))
            {
                throw new InvalidOperationException($"Intake__Sources__{i}: IdNat_Struct {source.IdNatStruct} is configured twice.");
            }
        }
    }

    public IReadOnlyList<IntakeSource> Sources { get; }

    public IntakeSource? Find(string? idNatStruct) =>
        idNatStruct is not null && _byIdNatStruct.TryGetValue(idNatStruct, out var source) ? source : null;

    public static IntakeSettings Load(IConfiguration configuration) =>
        new(configuration.GetSection("Intake:Sources").Get<List<IntakeSource>>() ?? []);
}
