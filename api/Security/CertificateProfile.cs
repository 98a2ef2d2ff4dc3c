using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CpxTeleservice.Security;

/// <summary>
/// What an IGC-Santé certificate says about its holder, read from the DER (domain.md, "Certificates"):
/// the subject's attributes wherever they sit (the multi-valued RDN is a SET: read as a set), and the
/// ANS private extensions under 1.2.250.1.71.1.2.
/// </summary>
public sealed record CertificateProfile(
    string? CommonName,
    string? Surname,
    string? GivenName,
    string? Title,
    string? Organisation,
    IReadOnlyList<string> OrganisationUnits,
    int? CardTypeCode,
    int? Profession,
    string? TokenId,
    byte? ProductCategory)
{
    public const string CardTypeOid = "1.2.250.1.71.1.2.2";
    public const string TokenIdOid = "1.2.250.1.71.1.2.3";
    public const string ProductCategoryOid = "1.2.250.1.71.1.2.5";
    public const string ProfessionOid = "1.2.250.1.71.1.2.7";

    /// <summary>IdNat_PS: the CN of a card certificate.</summary>
    public string? IdNat => CommonName;

    /// <summary>The card serial: what follows the '/' of the token id (<c>8025000001/&lt;serial&gt;</c>).</summary>
    public string? CardSerial
    {
        get
        {
            if (TokenId is null)
            {
                return null;
            }

            var slash = TokenId.LastIndexOf('/');
            var serial = slash < 0 ? TokenId : TokenId[(slash + 1)..];
            return serial.Length > 0 ? serial : null;
        }
    }

    /// <summary>A test card carries 0x80 in the product category extension.</summary>
    public bool IsTestCard => ProductCategory == 0x80;

    /// <summary>The card type the certificate alone can tell: G02 2 reads as CPE (a CDE is known from the registry).</summary>
    public CardType? CardTypeFromCertificate => CardTypeCode switch
    {
        0 => CardType.CPS,
        1 => CardType.CPF,
        2 => CardType.CPE,
        3 => CardType.CPA,
        _ => null,
    };

    /// <summary>The first OU: IdNat_Struct for staff cards and organisation certificates.</summary>
    public string? OrganisationUnit => OrganisationUnits.Count > 0 ? OrganisationUnits[0] : null;

    public static CertificateProfile Read(X509Certificate2 certificate)
    {
        var attributes = ReadName(certificate.SubjectName.RawData);
        string? First(string oid) => attributes.FirstOrDefault(a => a.Oid == oid).Value;

        int? cardType = null, profession = null;
        string? tokenId = null;
        byte? category = null;
        foreach (var extension in certificate.Extensions)
        {
            switch (extension.Oid?.Value)
            {
                case CardTypeOid:
                    cardType = ReadSmallInteger(extension.RawData);
                    break;
                case ProfessionOid:
                    profession = ReadSmallInteger(extension.RawData);
                    break;
                case TokenIdOid:
                    tokenId = ReadString(extension.RawData);
                    break;
                case ProductCategoryOid:
                    category = ReadOctet(extension.RawData);
                    break;
            }
        }

        return new CertificateProfile(
            First("2.5.4.3"),
            First("2.5.4.4"),
            First("2.5.4.42"),
            First("2.5.4.12"),
            First("2.5.4.10"),
            attributes.Where(a => a.Oid == "2.5.4.11").Select(a => a.Value).ToList(),
            cardType,
            profession,
            tokenId,
            category);
    }

    /// <summary>Every (type, value) of a DER Name, in encoding order, multi-valued RDNs flattened.</summary>
    internal static List<(string Oid, string Value)> ReadName(ReadOnlyMemory<byte> der)
    {
        var result = new List<(string, string)>();
        try
        {
            var name = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            while (name.HasData)
            {
                var rdn = name.ReadSetOf();
                while (rdn.HasData)
                {
                    var attribute = rdn.ReadSequence();
                    var oid = attribute.ReadObjectIdentifier();
                    var value = ReadDirectoryString(attribute);
                    if (value is not null)
                    {
                        result.Add((oid, value));
                    }
                }
            }
        }
        catch (AsnContentException)
        {
            // A malformed name yields what was read before the fault; the caller then finds attributes missing.
        }

        return result;
    }

    private static string? ReadDirectoryString(AsnReader reader)
    {
        var tag = reader.PeekTag();
        if (tag.TagClass != TagClass.Universal)
        {
            reader.ReadEncodedValue();
            return null;
        }

        return (UniversalTagNumber)tag.TagValue switch
        {
            UniversalTagNumber.UTF8String or UniversalTagNumber.PrintableString or UniversalTagNumber.IA5String
                or UniversalTagNumber.BMPString or UniversalTagNumber.T61String or UniversalTagNumber.VisibleString
                => reader.ReadCharacterString((UniversalTagNumber)tag.TagValue),
            _ => Skip(reader),
        };
    }

    private static string? Skip(AsnReader reader)
    {
        reader.ReadEncodedValue();
        return null;
    }

    private static int? ReadSmallInteger(byte[] der)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            return reader.TryReadInt32(out var value) ? value : null;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static string? ReadString(byte[] der)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            return ReadDirectoryString(reader);
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static byte? ReadOctet(byte[] der)
    {
        try
        {
            var bytes = new AsnReader(der, AsnEncodingRules.DER).ReadOctetString();
            return bytes.Length == 1 ? bytes[0] : null;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>SHA-256 of the certificate's DER, hex: how a certificate is named in logs and the registry.</summary>
    public static string Thumbprint(X509Certificate2 certificate) =>
        Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256));
}
