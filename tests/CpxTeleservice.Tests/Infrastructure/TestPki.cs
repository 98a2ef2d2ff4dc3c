using System.Security.Cryptography.X509Certificates;
using CpxTeleservice.DevPki;

namespace CpxTeleservice.Tests.Infrastructure;

/// <summary>
/// The PKI of a test run, generated once at run time (no key is ever committed): the trusted
/// IGC-Santé-like hierarchy, and a second, untrusted one that imitates it.
/// </summary>
public sealed class TestPki
{
    private static readonly Lazy<TestPki> Instance = new(() => new TestPki());

    private TestPki()
    {
        Root = Pki.CreateRoot(DemoPki.RootName);
        CardCa = Pki.CreateIntermediate(Root, DemoPki.CardCaName);
        OrganisationCa = Pki.CreateIntermediate(Root, DemoPki.OrganisationCaName);
        Server = Pki.IssueServer(OrganisationCa, ["localhost", "127.0.0.1"]);
        // Same names as the real hierarchy, other keys: what an impostor would build.
        var otherRoot = Pki.CreateRoot(DemoPki.RootName);
        OtherCardCa = Pki.CreateIntermediate(otherRoot, DemoPki.CardCaName);

        Folder = Directory.CreateTempSubdirectory("cpx-test-pki-").FullName;
        CardAnchorsPath = Write("cards-anchors.pem", Root.CertificatePem + CardCa.CertificatePem);
        OrganisationAnchorsPath = Write("organisations-anchors.pem", Root.CertificatePem + OrganisationCa.CertificatePem);
        ServerCertificatePath = Write("server.crt", Server.CertificatePem + OrganisationCa.CertificatePem);
        ServerKeyPath = Write("server.key", Server.KeyPem);
    }

    public static TestPki Current => Instance.Value;

    public IssuedCertificate Root { get; }
    public IssuedCertificate CardCa { get; }
    public IssuedCertificate OrganisationCa { get; }
    public IssuedCertificate OtherCardCa { get; }
    public IssuedCertificate Server { get; }
    public string Folder { get; }
    public string CardAnchorsPath { get; }
    public string OrganisationAnchorsPath { get; }
    public string ServerCertificatePath { get; }
    public string ServerKeyPath { get; }

    public X509Certificate2 Card(CardIdentity card, CardCertificateUsage usage = CardCertificateUsage.Authentication,
        DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, IssuedCertificate? issuer = null) =>
        Pki.IssueCard(issuer ?? CardCa, card, usage, notBefore, notAfter).WithPrivateKey();

    private string Write(string name, string content)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, content);
        return path;
    }
}

public static class TestPkiExtensions
{
    public static X509Certificate2 IssueOrganisationFor(this TestPki pki, string name, string idNatStruct) =>
        CpxTeleservice.DevPki.Pki.IssueOrganisation(pki.OrganisationCa, name, idNatStruct, "INTAKE TEST").WithPrivateKey();
}
