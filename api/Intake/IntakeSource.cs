using System.Security.Cryptography.X509Certificates;

namespace CpxTeleservice.Intake;

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
