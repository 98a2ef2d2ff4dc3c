using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CpxTeleservice.DevPki;

/// <summary>What a generated card certificate is for: the card holds one of each.</summary>
public enum CardCertificateUsage
{
    /// <summary>Key usage digitalSignature, EKU clientAuth: opens TLS sessions.</summary>
    Authentication,
    /// <summary>Key usage nonRepudiation, EKU emailProtection: signs documents, never authenticates.</summary>
    Signature,
}

/// <summary>The identity written into a card certificate, following the IGC-Santé profile.</summary>
/// <param name="IdNat">IdNat_PS, the CN: 8+RPPS, 0+ADELI, or 3+FINESS/id and 5+SIRET/id for staff cards.</param>
/// <param name="CardTypeCode">TRE_G02: 0 CPS, 1 CPF, 2 CPE/CDE, 3 CPA.</param>
/// <param name="CardSerial">The card's 10-digit serial, carried in the token id extension.</param>
/// <param name="Profession">TRE_G15 profession code, for professional cards.</param>
/// <param name="Title">The profession label, for professional cards (subject title).</param>
/// <param name="Organisation">Raison sociale, for staff cards (subject O).</param>
/// <param name="OrganisationUnit">IdNat_Struct, for staff cards (subject OU).</param>
public sealed record CardIdentity(
    string IdNat,
    string Nom,
    string Prenom,
    int CardTypeCode,
    string CardSerial,
    int? Profession = null,
    string? Title = null,
    string? Organisation = null,
    string? OrganisationUnit = null);

/// <summary>A certificate with its private key, and the PEM forms a file or a client wants.</summary>
public sealed class IssuedCertificate(X509Certificate2 certificate, RSA key)
{
    public X509Certificate2 Certificate { get; } = certificate;
    public RSA Key { get; } = key;

    /// <summary>The certificate joined to its private key, usable as a TLS client or server certificate.</summary>
    public X509Certificate2 WithPrivateKey()
    {
        using var joined = Certificate.CopyWithPrivateKey(Key);
        // A PKCS#12 round trip gives a certificate SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(joined.Export(X509ContentType.Pkcs12), null);
    }

    public string CertificatePem => Certificate.ExportCertificatePem() + "\n";
    public string KeyPem => Key.ExportPkcs8PrivateKeyPem() + "\n";
}

/// <summary>
/// Builds a test PKI shaped like IGC-Santé: a root, a card CA ("TEST AC IGC-SANTE FORT PERSONNES"),
/// an organisation CA, and the card, organisation and server certificates they issue, with the ANS
/// private extensions under 1.2.250.1.71.1.2. For development and tests only: keys live in memory
/// and on the disk of the machine that generated them.
/// </summary>
public static class Pki
{
    public const string CardTypeOid = "1.2.250.1.71.1.2.2";
    public const string TokenIdOid = "1.2.250.1.71.1.2.3";
    public const string ProductCategoryOid = "1.2.250.1.71.1.2.5";
    public const string ProfessionOid = "1.2.250.1.71.1.2.7";
    public const string TokenIdPrefix = "8025000001/";

    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string EmailProtectionOid = "1.3.6.1.5.5.7.3.4";

    public static IssuedCertificate CreateRoot(string commonName, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest(CaName(commonName), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var withKey = request.CreateSelfSigned(notBefore ?? DateTimeOffset.UtcNow.AddYears(-5), notAfter ?? DateTimeOffset.UtcNow.AddYears(10));
        // Certificate holds the public part only, as for every other certificate issued here.
        return new IssuedCertificate(X509CertificateLoader.LoadCertificate(withKey.RawData), key);
    }

    public static IssuedCertificate CreateIntermediate(IssuedCertificate issuer, string commonName)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest(CaName(commonName), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        // Back-dated so that expired end-entity certificates can be issued for tests.
        return Sign(issuer, request, DateTimeOffset.UtcNow.AddYears(-5), DateTimeOffset.UtcNow.AddYears(8), key);
    }

    /// <summary>A card certificate: authentication (digitalSignature, clientAuth) or signature (nonRepudiation, emailProtection).</summary>
    public static IssuedCertificate IssueCard(
        IssuedCertificate cardCa,
        CardIdentity card,
        CardCertificateUsage usage,
        DateTimeOffset? notBefore = null,
        DateTimeOffset? notAfter = null,
        byte productCategory = 0x80)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest(CardSubject(card), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        if (usage == CardCertificateUsage.Authentication)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthOid)], false));
        }
        else
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.NonRepudiation, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(EmailProtectionOid)], false));
        }

        request.CertificateExtensions.Add(new X509Extension(ProductCategoryOid, Der(w => w.WriteOctetString([productCategory])), false));
        request.CertificateExtensions.Add(new X509Extension(CardTypeOid, Der(w => w.WriteInteger(card.CardTypeCode)), false));
        request.CertificateExtensions.Add(new X509Extension(TokenIdOid, Der(w => w.WriteCharacterString(UniversalTagNumber.PrintableString, TokenIdPrefix + card.CardSerial)), false));
        if (card.Profession is { } profession)
        {
            request.CertificateExtensions.Add(new X509Extension(ProfessionOid, Der(w => w.WriteInteger(profession)), false));
        }

        return Sign(cardCa, request, notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddYears(3), key);
    }

    /// <summary>An organisation (software) certificate: <c>C=FR, O=raison sociale, OU=IdNat_Struct, CN=application</c>, for gRPC intake.</summary>
    public static IssuedCertificate IssueOrganisation(IssuedCertificate organisationCa, string raisonSociale, string idNatStruct, string application)
    {
        var key = RSA.Create(2048);
        var name = Name(("2.5.4.6", "FR"), ("2.5.4.10", raisonSociale), ("2.5.4.11", idNatStruct), ("2.5.4.3", application));
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthOid)], false));
        return Sign(organisationCa, request, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(3), key);
    }

    /// <summary>A TLS server certificate for the given host names and addresses.</summary>
    public static IssuedCertificate IssueServer(IssuedCertificate issuer, IEnumerable<string> hosts)
    {
        var key = RSA.Create(2048);
        var hostList = hosts.ToList();
        var name = Name(("2.5.4.6", "FR"), ("2.5.4.10", "CPX TELESERVICE DEV"), ("2.5.4.3", hostList[0]));
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthOid)], false));
        var san = new SubjectAlternativeNameBuilder();
        foreach (var host in hostList)
        {
            if (System.Net.IPAddress.TryParse(host, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(host);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        return Sign(issuer, request, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2), key);
    }

    /// <summary>
    /// The card subject of the IGC-Santé profile. Professional cards: <c>C=FR, title=…</c> and one
    /// multi-valued RDN holding SN, CN and GN (a DER SET, so its parts are ordered by their encoding).
    /// Staff cards: <c>C=FR, O=…, OU=IdNat_Struct</c> and the same multi-valued RDN.
    /// </summary>
    public static X500DistinguishedName CardSubject(CardIdentity card)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            WriteRdn(writer, ("2.5.4.6", "FR"));
            if (card.Organisation is not null)
            {
                WriteRdn(writer, ("2.5.4.10", card.Organisation));
            }

            if (card.OrganisationUnit is not null)
            {
                WriteRdn(writer, ("2.5.4.11", card.OrganisationUnit));
            }

            if (card.Title is not null)
            {
                WriteRdn(writer, ("2.5.4.12", card.Title));
            }

            WriteRdn(writer, ("2.5.4.4", card.Nom), ("2.5.4.3", card.IdNat), ("2.5.4.42", card.Prenom));
        }

        return new X500DistinguishedName(writer.Encode());
    }

    private static X500DistinguishedName CaName(string commonName) =>
        Name(("2.5.4.6", "FR"), ("2.5.4.10", "ASIP-SANTE"), ("2.5.4.11", "0002 187512751"), ("2.5.4.11", "IGC-SANTE TEST"), ("2.5.4.3", commonName));

    private static X500DistinguishedName Name(params (string Oid, string Value)[] attributes)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var attribute in attributes)
            {
                WriteRdn(writer, attribute);
            }
        }

        return new X500DistinguishedName(writer.Encode());
    }

    private static void WriteRdn(AsnWriter writer, params (string Oid, string Value)[] attributes)
    {
        // DER sorts the members of a SET OF by their encoding, as a real multi-valued RDN is.
        using (writer.PushSetOf())
        {
            foreach (var (oid, value) in attributes)
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    var tag = oid == "2.5.4.6" ? UniversalTagNumber.PrintableString : UniversalTagNumber.UTF8String;
                    writer.WriteCharacterString(tag, value);
                }
            }
        }
    }

    private static byte[] Der(Action<AsnWriter> write)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        write(writer);
        return writer.Encode();
    }

    private static IssuedCertificate Sign(IssuedCertificate issuer, CertificateRequest request, DateTimeOffset notBefore, DateTimeOffset notAfter, RSA key)
    {
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F; // a positive INTEGER
        using var issuerWithKey = issuer.Certificate.CopyWithPrivateKey(issuer.Key);
        // A child may not outlive its issuer: chain building would reject it.
        var end = notAfter > issuer.Certificate.NotAfter ? new DateTimeOffset(issuer.Certificate.NotAfter.ToUniversalTime()) : notAfter;
        var certificate = request.Create(issuerWithKey, notBefore, end, serial);
        return new IssuedCertificate(certificate, key);
    }
}
