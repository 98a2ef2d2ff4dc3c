using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace CpxTeleservice.Security;

/// <summary>
/// The chain policy of the TLS handshake itself. Kestrel builds the client's chain while the handshake
/// runs, before any handler, even with <c>AllowAnyClientCertificate</c> (which only ignores the result);
/// with the default policy that build downloads the issuer named in the certificate's AIA extension and
/// fetches revocation lists: a caller-chosen URL fetched from inside the hosting network, and a handshake
/// held for as long as that URL takes. Here the build trusts only the configured anchors, downloads
/// nothing and checks no revocation; the authentication handlers then decide (CertificateValidator).
/// </summary>
public static class HandshakePolicy
{
    public static X509ChainPolicy Create(SecuritySettings settings)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
            UrlRetrievalTimeout = TimeSpan.Zero,
        };
        foreach (var anchors in new[] { settings.CardAnchors, settings.OrganisationAnchors })
        {
            if (anchors is null)
            {
                continue;
            }

            policy.CustomTrustStore.AddRange(anchors.Roots);
            policy.ExtraStore.AddRange(anchors.Intermediates);
        }

        return policy;
    }

    /// <summary>Every TLS handshake on every HTTPS endpoint builds the client chain with <paramref name="policy"/>.</summary>
    public static void Apply(HttpsConnectionAdapterOptions https, X509ChainPolicy policy) =>
        https.OnAuthenticate = (_, ssl) => ssl.CertificateChainPolicy = policy.Clone();
}
