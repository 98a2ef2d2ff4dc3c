using System.Security.Cryptography.X509Certificates;

namespace CpxTeleservice.Intake;

/// <summary>Who feeds the intake: an Ordre (RPPS professions) or an ARS (ADELI professions, visas).</summary>
public enum IntakeKind
{
    Ordre,
    Ars,
}

/// <summary>
/// An intake source, from configuration (<c>Intake__Sources__N__…</c>): an organisation certificate
/// whose OU is <see cref="IdNatStruct"/> and which is one of <see cref="Certificates"/> speaks for it
/// (contract.md, Identity).
/// </summary>
public sealed class IntakeSource
{
    /// <summary>IdNat_Struct, the OU of the source's organisation certificate.</summary>
    public string IdNatStruct { get; set; } = "";

    /// <summary>
    /// The certificates of that organisation that speak for the source, each as <c>CN=&lt;subject CN&gt;</c>
    /// or <c>serial=&lt;hex serial number&gt;</c>: another certificate of the same organisation (an
    /// application server's, say) is refused. Listing two lets a certificate be rotated without a gap.
    /// </summary>
    public List<string> Certificates { get; set; } = [];

    /// <summary><c>ordre</c> or <c>ars</c>: which intake service the source may call.</summary>
    public IntakeKind Kind { get; set; }

    /// <summary>A name for logs and audit (e.g. "Ordre national des infirmiers").</summary>
    public string Name { get; set; } = "";

    /// <summary>TRE_G15 codes of the professions the source may register.</summary>
    public List<string> Professions { get; set; } = [];

    /// <summary>For an ARS, the départements it covers (01…95, 2A, 2B, 971…976).</summary>
    public List<string> Departements { get; set; } = [];

    /// <summary>Whether <paramref name="certificate"/> is one of <see cref="Certificates"/>.</summary>
    public bool Accepts(X509Certificate2 certificate, string? commonName)
    {
        foreach (var entry in Certificates)
        {
            if (CertificateSelector.TryParse(entry, out var selector) && selector.Matches(certificate, commonName))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>One <c>Intake__Sources__N__Certificates__M</c> entry: a subject CN or a serial number.</summary>
public readonly record struct CertificateSelector(bool BySerial, string Value)
{
    public static bool TryParse(string entry, out CertificateSelector selector)
    {
        selector = default;
        var separator = entry.IndexOf('=');
        if (separator <= 0)
        {
            return false;
        }

        var kind = entry[..separator].Trim();
        var value = entry[(separator + 1)..].Trim();
        if (value.Length == 0)
        {
            return false;
        }

        if (kind.Equals("CN", StringComparison.OrdinalIgnoreCase))
        {
            selector = new CertificateSelector(false, value);
            return true;
        }

        if (kind.Equals("serial", StringComparison.OrdinalIgnoreCase))
        {
            var hex = value.Replace(":", "", StringComparison.Ordinal).TrimStart('0');
            if (hex.Length == 0 || !hex.All(Uri.IsHexDigit))
            {
                return false;
            }

            selector = new CertificateSelector(true, hex.ToUpperInvariant());
            return true;
        }

        return false;
    }

    public bool Matches(X509Certificate2 certificate, string? commonName) => BySerial
        ? string.Equals(certificate.SerialNumber.TrimStart('0'), Value, StringComparison.OrdinalIgnoreCase)
        : string.Equals(commonName, Value, StringComparison.Ordinal);
}

/// <summary>The configured intake sources by IdNat_Struct (validated at start-up by <see cref="IntakeOptions"/>).</summary>
public sealed class IntakeSettings(Microsoft.Extensions.Options.IOptions<IntakeOptions> options)
{
    private readonly Dictionary<string, IntakeSource> _byIdNatStruct =
        options.Value.Sources.ToDictionary(s => s.IdNatStruct, StringComparer.Ordinal);

    public IReadOnlyList<IntakeSource> Sources => options.Value.Sources;

    public IntakeSource? Find(string? idNatStruct) =>
        idNatStruct is not null && _byIdNatStruct.TryGetValue(idNatStruct, out var source) ? source : null;
}
