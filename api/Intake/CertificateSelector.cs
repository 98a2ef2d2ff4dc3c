using System.Security.Cryptography.X509Certificates;

namespace CpxTeleservice.Intake;

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
