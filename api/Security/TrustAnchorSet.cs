using System.Security.Cryptography.X509Certificates;

namespace CpxTeleservice.Security;

/// <summary>
/// A set of trust anchors loaded from a PEM bundle: the self-signed certificates are the roots,
/// the others the intermediate CAs the chain may pass through. Nothing else is trusted: not the
/// system store, not a chain the client sends, not a certificate fetched from an AIA address.
/// </summary>
public sealed class TrustAnchorSet
{
    public TrustAnchorSet(IEnumerable<X509Certificate2> certificates)
    {
        foreach (var certificate in certificates)
        {
            (certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) ? Roots : Intermediates).Add(certificate);
        }

        if (Roots.Count == 0)
        {
            throw new InvalidOperationException("A trust anchor bundle must hold at least one self-signed root certificate.");
        }
    }

    public X509Certificate2Collection Roots { get; } = [];
    public X509Certificate2Collection Intermediates { get; } = [];

    /// <summary>Whether <paramref name="certificate"/> is one of the bundle's certificates (root or intermediate).</summary>
    public bool Contains(X509Certificate2 certificate) =>
        Roots.Concat(Intermediates).Any(anchor => anchor.RawData.AsSpan().SequenceEqual(certificate.RawData));

    public static TrustAnchorSet LoadPem(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Trust anchor bundle '{path}' not found.", path);
        }

        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        return new TrustAnchorSet(collection);
    }
}
