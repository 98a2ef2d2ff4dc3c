using CpxTeleservice.DevPki;
using CpxTeleservice.Security;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Security;

/// <summary>The cryptographic checks of contract.md, Identity: chain, validity period, key usage, EKU.</summary>
public class CertificateValidatorTests
{
    private static readonly CardIdentity Nurse = new("810100123453", "BERNARD", "LUCIE", 0, "9000000004", Profession: 60, Title: "Infirmier");
    private static TestPki Pki => TestPki.Current;
    private static TrustAnchorSet CardAnchors => TrustAnchorSet.LoadPem(Pki.CardAnchorsPath);

    [Fact]
    public void Authentication_certificate_of_the_card_CA_passes()
    {
        Assert.Equal(CertificateCheck.Ok, CertificateValidator.Validate(Pki.Card(Nurse), CardAnchors, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void Signature_certificate_never_authenticates()
    {
        var check = CertificateValidator.Validate(Pki.Card(Nurse, CardCertificateUsage.Signature), CardAnchors, DateTimeOffset.UtcNow);
        Assert.Equal(CertificateRefusal.NotForAuthentication, check.Refusal);
    }

    [Fact]
    public void Certificate_of_another_CA_with_the_same_names_is_untrusted()
    {
        var check = CertificateValidator.Validate(Pki.Card(Nurse, issuer: Pki.OtherCardCa), CardAnchors, DateTimeOffset.UtcNow);
        Assert.Equal(CertificateRefusal.Untrusted, check.Refusal);
    }

    [Fact]
    public void Organisation_certificate_does_not_chain_to_the_card_anchors()
    {
        var organisation = Pki.IssueOrganisationFor("ORDRE DE TEST", "2775672272");
        var check = CertificateValidator.Validate(organisation, CardAnchors, DateTimeOffset.UtcNow);
        Assert.Equal(CertificateRefusal.Untrusted, check.Refusal);
    }

    [Fact]
    public void Expired_certificate_is_refused_as_expired()
    {
        var certificate = Pki.Card(Nurse, notBefore: DateTimeOffset.UtcNow.AddYears(-3), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        Assert.Equal(CertificateRefusal.Expired, CertificateValidator.Validate(certificate, CardAnchors, DateTimeOffset.UtcNow).Refusal);
    }

    [Fact]
    public void Certificate_not_yet_valid_is_refused_as_not_yet_valid()
    {
        var certificate = Pki.Card(Nurse, notBefore: DateTimeOffset.UtcNow.AddDays(2), notAfter: DateTimeOffset.UtcNow.AddYears(3));
        Assert.Equal(CertificateRefusal.NotYetValid, CertificateValidator.Validate(certificate, CardAnchors, DateTimeOffset.UtcNow).Refusal);
    }

    [Fact]
    public void Validity_is_judged_at_the_time_given()
    {
        var certificate = Pki.Card(Nurse);
        Assert.Equal(CertificateRefusal.Expired, CertificateValidator.Validate(certificate, CardAnchors, DateTimeOffset.UtcNow.AddYears(4)).Refusal);
    }

    [Fact]
    public void Trust_anchor_bundle_without_a_root_is_rejected_at_load()
    {
        Assert.Throws<InvalidOperationException>(() => new TrustAnchorSet([Pki.CardCa.Certificate]));
    }
}
