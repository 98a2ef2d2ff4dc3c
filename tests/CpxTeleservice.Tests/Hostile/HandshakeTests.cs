using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CpxTeleservice.DevPki;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Hostile;

/// <summary>
/// What a stranger's certificate can make the service do during and after the TLS handshake: nothing
/// beyond a prompt refusal. No URL it names is fetched, no CA outside the configured bundle is trusted.
/// </summary>
public class HandshakeTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>A TCP listener that counts the connections it is offered.</summary>
    private sealed class Honeypot : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private int _connections;

        public Honeypot()
        {
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (true)
                {
                    try
                    {
                        using var socket = await _listener.AcceptSocketAsync();
                        Interlocked.Increment(ref _connections);
                    }
                    catch (Exception)
                    {
                        return; // stopped
                    }
                }
            });
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        public int Connections => Volatile.Read(ref _connections);

        public void Dispose() => _listener.Stop();
    }

    /// <summary>A card-like authentication certificate from an unknown CA whose AIA and CRL distribution point name <paramref name="url"/>.</summary>
    private static X509Certificate2 CertificatePointingAt(string url)
    {
        var unknownCa = Pki.CreateRoot("AC INCONNUE DE L ATTAQUANT");
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(Pki.CardSubject(Registry.NewStaffCard()), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthOid)], false));
        request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension([url + "/ocsp"], [url + "/int.crt"]));
        request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([url + "/ca.crl"]));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = request.Create(unknownCa.Certificate.SubjectName, X509SignatureGenerator.CreateForRSA(unknownCa.Key, RSASignaturePadding.Pkcs1),
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1), serial);
        using var joined = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(joined.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A client that sends <paramref name="certificate"/> as it is, building no chain of its own (so that it fetches nothing either).</summary>
    private HttpClient OfflineClient(X509Certificate2 certificate, X509Certificate2Collection? sentChain = null) => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificateContext = SslStreamCertificateContext.Create(certificate, sentChain ?? [], offline: true),
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { host.Pki.Root.Certificate },
                ExtraStore = { host.Pki.OrganisationCa.Certificate },
                RevocationMode = X509RevocationMode.NoCheck,
            },
        },
    })
    {
        BaseAddress = host.BaseAddress,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    [Fact]
    public async Task Certificate_naming_an_AIA_and_CRL_url_makes_the_server_fetch_nothing_and_is_refused_at_once()
    {
        using var honeypot = new Honeypot();
        using var certificate = CertificatePointingAt(honeypot.Url);

        // Three connections, three handshakes: each one would fetch if the handshake's chain build could.
        for (var i = 0; i < 3; i++)
        {
            using var client = OfflineClient(certificate);
            var watch = Stopwatch.StartNew();
            using var response = await client.GetAsync("/api/v1/me");
            watch.Stop();
            await HttpAssert.ProblemAsync(response, HttpStatusCode.Unauthorized, ProblemTypes.CertificateUntrusted);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"the refusal took {watch.Elapsed.TotalMilliseconds:F0} ms");
        }

        await Task.Delay(300); // a fetch started in the background would have connected by now
        Assert.Equal(0, honeypot.Connections);
    }

    [Fact]
    public async Task Card_issued_by_a_CA_outside_the_configured_bundle_is_untrusted_even_when_the_client_sends_that_CA()
    {
        // A CA under the configured root, but not in Trust__CardAnchors (here: a second "card" CA).
        var strayCa = Pki.CreateIntermediate(host.Pki.Root, "TEST AC IGC-SANTE FORT PERSONNES BIS");
        var card = Registry.NewStaffCard();
        await Registry.AddCardAsync(host.Database.DataSource, card, "CPE");
        using var certificate = host.Pki.Card(card, issuer: strayCa);
        using var client = OfflineClient(certificate, [strayCa.Certificate]);
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateUntrusted);
    }

    [Fact]
    public void Validator_refuses_a_certificate_whose_issuer_is_not_in_the_bundle_even_when_another_store_completes_the_chain()
    {
        // The stray CA sits in the user's intermediate store, which the platform's chain engine searches:
        // the chain then reaches the configured root, and only the issuer rule refuses the certificate.
        var strayCa = Pki.CreateIntermediate(host.Pki.Root, "TEST AC IGC-SANTE FORT PERSONNES TER");
        using var certificate = host.Pki.Card(Registry.NewStaffCard(), issuer: strayCa);
        var anchors = new TrustAnchorSet([host.Pki.Root.Certificate, host.Pki.CardCa.Certificate]);
        using var store = new X509Store(StoreName.CertificateAuthority, StoreLocation.CurrentUser);
        store.Open(OpenFlags.ReadWrite);
        store.Add(strayCa.Certificate);
        try
        {
            var check = CertificateValidator.Validate(certificate, anchors, DateTimeOffset.UtcNow);
            Assert.Equal(CertificateRefusal.Untrusted, check.Refusal);
            Assert.Equal("The certificate is not issued by a configured CA.", check.Detail);
        }
        finally
        {
            store.Remove(strayCa.Certificate);
        }

        using var good = host.Pki.Card(Registry.NewStaffCard());
        Assert.True(CertificateValidator.Validate(good, anchors, DateTimeOffset.UtcNow).Passed);
    }
}
