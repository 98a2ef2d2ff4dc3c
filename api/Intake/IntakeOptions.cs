namespace CpxTeleservice.Intake;

/// <summary>The intake's settings, section <c>Intake</c>: its sources and how records are batched.</summary>
public sealed class IntakeOptions
{
    public const string Section = "Intake";

    /// <summary><c>Intake__Sources__N__…</c>: who may stream records, and what they may register.</summary>
    public List<IntakeSource> Sources { get; set; } = [];

    /// <summary>Records are committed in batches of at most this many.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>…or after this delay, whichever comes first.</summary>
    public int BatchDelayMilliseconds { get; set; } = 50;

    /// <summary>What is wrong with the settings, each message naming its key; empty when they are usable.</summary>
    public IEnumerable<string> Errors()
    {
        if (BatchSize is < 1 or > 100_000)
        {
            yield return "Intake__BatchSize must be between 1 and 100000.";
        }

        if (BatchDelayMilliseconds is < 1 or > 60_000)
        {
            yield return "Intake__BatchDelayMilliseconds must be between 1 and 60000.";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Sources.Count; i++)
        {
            var source = Sources[i];
            var key = $"Intake__Sources__{i}";
            if (source.IdNatStruct.Length == 0)
            {
                yield return $"{key}__IdNatStruct is required.";
            }
            else if (!seen.Add(source.IdNatStruct))
            {
                yield return $"{key}__IdNatStruct: IdNat_Struct {source.IdNatStruct} is configured twice.";
            }

            if (source.Name.Length == 0)
            {
                yield return $"{key}__Name is required.";
            }

            if (!Enum.IsDefined(source.Kind))
            {
                yield return $"{key}__Kind must be ordre or ars.";
            }

            if (source.Certificates.Count == 0)
            {
                yield return $"{key}__Certificates__0 is required: the CN=<subject CN> or serial=<hex> of the certificate that speaks for the source.";
            }

            for (var j = 0; j < source.Certificates.Count; j++)
            {
                if (!CertificateSelector.TryParse(source.Certificates[j], out _))
                {
                    yield return $"{key}__Certificates__{j} must be CN=<subject CN> or serial=<hexadecimal serial number>.";
                }
            }

            if (source.Kind == IntakeKind.Ars && source.Departements.Count == 0)
            {
                yield return $"{key} is an ARS: list its départements ({key}__Departements__0, …).";
            }
        }
    }
}
