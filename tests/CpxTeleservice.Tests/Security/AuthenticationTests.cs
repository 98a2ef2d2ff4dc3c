using System.Net;
using System.Net.Http.Json;
using System.Text;
using CpxTeleservice.Authorization;
using CpxTeleservice.DevPki;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Security;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.Security;

/// <summary>
/// Every way a caller's certificate is accepted or refused, over a real TLS handshake on Kestrel
/// (contract.md, Identity; issue "trusted skeleton").
/// </summary>
public class AuthenticationTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private TestPki Pki => host.Pki;

    private async Task<CardIdentity> RegisteredCardAsync(string type = "CPE", string state = "active", DateTimeOffset? validUntil = null)
    {
        var card = type is "CPS" ? Registry.NewProfessionalCard() : Registry.NewStaffCard();
        await Registry.AddCardAsync(host.Database.DataSource, card, type, state: state, validUntil: validUntil);
        return card;
    }

    [Fact]
    public async Task Registered_active_card_is_served_me_over_HTTP2()
    {
        var card = await RegisteredCardAsync();
        using var client = host.CreateClient(card);
        using var response = await client.GetAsync("/api/v1/me");
        var me = await HttpAssert.JsonAsync(response);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(card.IdNat, me.GetProperty("idNat").GetString());
        Assert.Equal(card.CardSerial, me.GetProperty("cardSerial").GetString());
        Assert.Equal("CPE", me.GetProperty("cardType").GetString());
        Assert.False(me.GetProperty("operator").GetBoolean());
    }

    [Fact]
    public async Task Registered_card_is_served_me_over_HTTP1_too()
    {
        var card = await RegisteredCardAsync("CPS");
        using var client = host.CreateClient(Pki.Card(card), HttpVersion.Version11);
        var me = await HttpAssert.JsonAsync(await client.GetAsync("/api/v1/me"));
        Assert.Equal("CPS", me.GetProperty("cardType").GetString());
        Assert.Equal("60", me.GetProperty("profession").GetString());
    }

    [Fact]
    public async Task Me_lists_the_structures_where_the_caller_is_legal_representative_or_mandataire()
    {
        var db = host.Database.DataSource;
        var representative = Registry.NewStaffCard("690123450");
        await Registry.AddCardAsync(db, representative, "CDE");
        var representativeId = await Registry.PersonIdAsync(db, representative.IdNat);
        var structure = await Registry.AddStructureAsync(db, "690123450", "CENTRE DE SANTE LYON", representativeId);
        var other = await Registry.AddStructureAsync(db, Guid.NewGuid().ToString("N")[..9].ToUpperInvariant(), "AUTRE STRUCTURE", await Registry.PersonIdAsync(db, (await RegisteredCardAsync()).IdNat));
        var mandataire = await RegisteredCardAsync();
        var mandataireId = await Registry.PersonIdAsync(db, mandataire.IdNat);
        await Registry.AddMandataireAsync(db, structure, mandataireId, representativeId);

        using var asRepresentative = host.CreateClient(representative);
        var me = await HttpAssert.JsonAsync(await asRepresentative.GetAsync("/api/v1/me"));
        Assert.Equal("CDE", me.GetProperty("cardType").GetString());
        var roles = me.GetProperty("structures").EnumerateArray().ToList();
        Assert.Single(roles);
        Assert.Equal(structure.ToString(), roles[0].GetProperty("structureId").GetString());
        Assert.Equal("legal-representative", roles[0].GetProperty("role").GetString());

        using var asMandataire = host.CreateClient(mandataire);
        var mandataireRoles = (await HttpAssert.JsonAsync(await asMandataire.GetAsync("/api/v1/me"))).GetProperty("structures").EnumerateArray().ToList();
        Assert.Single(mandataireRoles);
        Assert.Equal("mandataire", mandataireRoles[0].GetProperty("role").GetString());
        Assert.NotEqual(other.ToString(), mandataireRoles[0].GetProperty("structureId").GetString());
    }

    [Fact]
    public async Task No_client_certificate_is_a_401_problem_certificate_required()
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateRequired);
    }

    [Fact]
    public async Task Certificate_from_another_CA_is_a_401_problem_certificate_untrusted()
    {
        var card = await RegisteredCardAsync();
        using var client = host.CreateClient(Pki.Card(card, issuer: Pki.OtherCardCa));
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateUntrusted);
    }

    [Fact]
    public async Task Certificate_copying_a_real_cards_DN_from_another_CA_is_untrusted()
    {
        // The impostor copies subject, extensions and serial; only the keys and the issuing CA differ.
        var card = await RegisteredCardAsync();
        using var genuine = host.CreateClient(card);
        await HttpAssert.JsonAsync(await genuine.GetAsync("/api/v1/me"));
        using var impostor = host.CreateClient(Pki.Card(card, issuer: Pki.OtherCardCa));
        await HttpAssert.ProblemAsync(await impostor.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateUntrusted);
    }

    [Fact]
    public async Task Certificate_copying_a_real_cards_DN_with_another_key_and_card_serial_is_an_unknown_card()
    {
        var card = await RegisteredCardAsync();
        var forged = card with { CardSerial = Registry.NextSerial() };
        using var client = host.CreateClient(Pki.Card(forged));
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardUnknown);
    }

    [Fact]
    public async Task Certificate_claiming_a_registered_serial_for_another_IdNat_is_an_unknown_card()
    {
        var card = await RegisteredCardAsync();
        var forged = card with { IdNat = "3750812349/INTRUS" };
        using var client = host.CreateClient(Pki.Card(forged));
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardUnknown);
    }

    [Fact]
    public async Task Expired_certificate_is_a_401_problem_certificate_expired()
    {
        var card = await RegisteredCardAsync();
        using var client = host.CreateClient(Pki.Card(card, notBefore: DateTimeOffset.UtcNow.AddYears(-3), notAfter: DateTimeOffset.UtcNow.AddMinutes(-5)));
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateExpired);
    }

    [Fact]
    public async Task Certificate_not_yet_valid_is_a_401_problem_certificate_not_yet_valid()
    {
        var card = await RegisteredCardAsync();
        using var client = host.CreateClient(Pki.Card(card, notBefore: DateTimeOffset.UtcNow.AddDays(1), notAfter: DateTimeOffset.UtcNow.AddYears(3)));
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateNotYetValid);
    }

    [Fact]
    public async Task Signature_certificate_is_a_401_problem_not_for_authentication()
    {
        var card = await RegisteredCardAsync("CPS");
        using var client = host.CreateClient(card, CardCertificateUsage.Signature);
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateNotForAuthentication);
    }

    [Fact]
    public async Task Card_missing_from_the_registry_is_a_401_problem_card_unknown()
    {
        using var client = host.CreateClient(Registry.NewStaffCard());
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardUnknown);
    }

    [Fact]
    public async Task Card_in_opposition_is_a_401_problem_card_in_opposition()
    {
        var card = await RegisteredCardAsync(state: "opposition");
        using var client = host.CreateClient(card);
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardInOpposition);
    }

    [Fact]
    public async Task Card_expired_in_the_registry_is_a_401_problem_card_expired()
    {
        var card = await RegisteredCardAsync(validUntil: DateTimeOffset.UtcNow.AddDays(-1));
        using var client = host.CreateClient(card);
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardExpired);
    }

    [Fact]
    public async Task Opposition_stops_the_card_on_the_very_next_request_of_the_same_connection()
    {
        var card = await RegisteredCardAsync();
        using var client = host.CreateClient(card);
        await HttpAssert.JsonAsync(await client.GetAsync("/api/v1/me"));

        await using (var connection = await host.Database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE cards SET state = 'opposition', opposed_at = now() WHERE serial = @CardSerial", card);
        }

        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardInOpposition);
    }

    [Fact]
    public async Task Configured_operator_authenticates_without_a_registry_entry()
    {
        using var client = host.CreateClient(ServiceHost.Operator);
        var me = await HttpAssert.JsonAsync(await client.GetAsync("/api/v1/me"));
        Assert.True(me.GetProperty("operator").GetBoolean());
        Assert.Equal(ServiceHost.Operator.IdNat, me.GetProperty("idNat").GetString());
    }

    [Fact]
    public async Task Me_of_an_operator_card_the_registry_does_not_know_yet_lists_the_roles_of_the_person_its_IdNat_names()
    {
        // /me reads roles by the person the registry read found; a card it did not find (an operator's, at
        // bootstrap) is looked up by IdNat, so a holder who already represents a structure sees that role.
        var db = host.Database.DataSource;
        var operatorPerson = await Registry.AddPersonAsync(db, ServiceHost.Operator);
        var structure = await Registry.AddStructureAsync(db, "13" + Random.Shared.Next(1_000_000, 9_999_999), "STRUCTURE DE L'OPERATEUR", operatorPerson);
        using var client = host.CreateClient(ServiceHost.Operator);
        var me = await HttpAssert.JsonAsync(await client.GetAsync("/api/v1/me"));
        Assert.True(me.GetProperty("operator").GetBoolean());
        var role = Assert.Single(me.GetProperty("structures").EnumerateArray());
        Assert.Equal(structure, role.GetProperty("structureId").GetGuid());
        Assert.Equal("legal-representative", role.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Operator_exemption_needs_the_configured_card_serial_too()
    {
        using var client = host.CreateClient(ServiceHost.Operator with { CardSerial = Registry.NextSerial() });
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardUnknown);
    }

    [Fact]
    public async Task Operator_signature_certificate_is_refused_like_any_other()
    {
        using var client = host.CreateClient(ServiceHost.Operator, CardCertificateUsage.Signature);
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateNotForAuthentication);
    }

    [Fact]
    public async Task Organisation_certificate_does_not_open_the_REST_API()
    {
        using var client = host.CreateClient(Pki.IssueOrganisationFor("ORDRE DE TEST", "2775672272"));
        var problem = await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateUntrusted);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Refused_authentication_is_recorded_in_the_service_wide_audit()
    {
        var card = await RegisteredCardAsync(state: "opposition");
        using var client = host.CreateClient(card);
        using var response = await client.GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        var entry = await connection.QuerySingleAsync<(string Action, string Outcome, string Target, string RequestId)>(
            "SELECT action, outcome, target, request_id FROM audit_events WHERE actor_card_serial = @CardSerial", card);
        Assert.Equal("authenticate", entry.Action);
        Assert.Equal("refused:card-in-opposition", entry.Outcome);
        Assert.Equal("GET /api/v1/me", entry.Target);
        Assert.False(string.IsNullOrEmpty(entry.RequestId));
    }

    [Fact]
    public async Task A_clientAuth_certificate_of_the_card_CA_without_the_card_extensions_is_not_a_card()
    {
        var notACard = CpxTeleservice.DevPki.Pki.IssueOrganisation(host.Pki.CardCa, "LOGICIEL", "1750812349", "APPLICATION").WithPrivateKey();
        using var client = host.CreateClient(notACard);
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateNotACard);
    }

    [Fact]
    public async Task Refused_authentication_by_an_untrusted_certificate_names_no_actor()
    {
        var card = Registry.NewStaffCard();
        using var client = host.CreateClient(host.Pki.Card(card, issuer: host.Pki.OtherCardCa));
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateUntrusted);
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        var entry = await connection.QuerySingleAsync<(string? Actor, string Detail)>(
            "SELECT actor_id_nat, detail FROM audit_events WHERE outcome = 'refused:certificate-untrusted' AND detail LIKE '%' || @IdNat || '%'", card);
        Assert.Null(entry.Actor);
        Assert.Contains("Claimed: " + card.IdNat, entry.Detail);
    }
}
