using System.Security.Cryptography.X509Certificates;
using CpxTeleservice.DevPki;
using CpxTeleservice.Security;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Security;

/// <summary>Reading the IGC-Santé profile from the DER (domain.md, "Certificates").</summary>
public class CertificateProfileTests
{
    private static X509Certificate2 RealTestCard() =>
        X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "igc-sante-test-cps-signature.pem")));

    [Fact]
    public void Real_IGC_Sante_test_card_reads_IdNat_from_the_CN_of_the_multi_valued_RDN()
    {
        var profile = CertificateProfile.Read(RealTestCard());
        Assert.Equal("00B6087510", profile.IdNat);
        Assert.Equal("INFIRMCS ADELI8751", profile.Surname);
        Assert.Equal("OLIVIER", profile.GivenName);
        Assert.Equal("Infirmier", profile.Title);
    }

    [Fact]
    public void Real_IGC_Sante_test_card_reads_the_ANS_private_extensions()
    {
        var profile = CertificateProfile.Read(RealTestCard());
        Assert.Equal(0, profile.CardTypeCode);
        Assert.Equal(CardType.CPS, profile.CardTypeFromCertificate);
        Assert.Equal(60, profile.Profession);
        Assert.Equal("8025000001/2800636234", profile.TokenId);
        Assert.Equal("2800636234", profile.CardSerial);
        Assert.True(profile.IsTestCard);
        Assert.Empty(profile.OrganisationUnits);
    }

    [Fact]
    public void Real_IGC_Sante_signature_certificate_is_not_an_authentication_certificate()
    {
        var check = CertificateValidator.CheckAuthenticationUsage(RealTestCard());
        Assert.Equal(CertificateRefusal.NotForAuthentication, check.Refusal);
    }

    [Fact]
    public void Real_IGC_Sante_test_card_is_untrusted_against_anchors_it_does_not_chain_to()
    {
        var anchors = new TrustAnchorSet([TestPki.Current.Root.Certificate, TestPki.Current.CardCa.Certificate]);
        var check = CertificateValidator.Validate(RealTestCard(), anchors, DateTimeOffset.UtcNow);
        Assert.Equal(CertificateRefusal.Untrusted, check.Refusal);
    }

    [Theory]
    [InlineData("810100123453", "BERNARD", "LUCIE")]
    [InlineData("00B6087510", "ZZZ", "AAA")]
    [InlineData("810100987659", "A", "ZZZZZZZZZZZZZZZZ")]
    public void Multi_valued_RDN_is_read_as_a_set_whatever_the_order_of_its_parts(string idNat, string nom, string prenom)
    {
        // DER orders the SET by encoding, so SN/CN/GN come out in a different order for each of these.
        var card = new CardIdentity(idNat, nom, prenom, 0, "1234567890", Profession: 60, Title: "Infirmier");
        var certificate = TestPki.Current.Card(card);
        var profile = CertificateProfile.Read(certificate);
        Assert.Equal(idNat, profile.IdNat);
        Assert.Equal(nom, profile.Surname);
        Assert.Equal(prenom, profile.GivenName);
        Assert.Equal("1234567890", profile.CardSerial);
        Assert.Equal(60, profile.Profession);
    }

    [Fact]
    public void Staff_card_reads_IdNat_Struct_from_the_OU_and_card_type_2()
    {
        var card = new CardIdentity("3750812349/EMP0042", "MARTIN", "THOMAS", 2, "9000000003",
            Organisation: "SERVICE DEMO", OrganisationUnit: "1750812349");
        var profile = CertificateProfile.Read(TestPki.Current.Card(card));
        Assert.Equal("3750812349/EMP0042", profile.IdNat);
        Assert.Equal("1750812349", profile.OrganisationUnit);
        Assert.Equal("SERVICE DEMO", profile.Organisation);
        Assert.Equal(CardType.CPE, profile.CardTypeFromCertificate);
        Assert.Null(profile.Profession);
    }

    [Fact]
    public void A_certificate_without_the_ANS_extensions_has_no_card_type_nor_serial()
    {
        var profile = CertificateProfile.Read(TestPki.Current.Server.Certificate);
        Assert.Null(profile.CardTypeCode);
        Assert.Null(profile.CardSerial);
    }
}
