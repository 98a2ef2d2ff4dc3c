using System.Net;
using System.Net.Http.Json;
using System.Text;
using CpxTeleservice.DevPki;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.Api;

/// <summary>State conflicts (409), malformed requests (400) and the remaining refusals, each with its problem type.</summary>
public class ConflictTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task A_structure_is_registered_once()
    {
        var structure = await _world.StructureAsync(approve: false);
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync("/api/v1/admin/structures", new
        {
            finess = structure.Finess, raisonSociale = "DOUBLON",
            legalRepresentative = new { idNat = "3" + structure.Finess + "/X", nom = "X", prenom = "Y", healthProfessional = false },
        }), HttpStatusCode.Conflict, ProblemTypes.StructureAlreadyRegistered);
    }

    [Fact]
    public async Task Structure_identifiers_are_checked_field_by_field()
    {
        var problem = await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync("/api/v1/admin/structures", new
        {
            finess = "750812348", siret = "13000578000016", raisonSociale = "",
            legalRepresentative = new { idNat = "", nom = "X", prenom = "Y", healthProfessional = false },
        }), HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "finess", "siret", "raisonSociale", "legalRepresentative.idNat" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }
    }

    [Fact]
    public async Task An_active_contract_is_approved_once_and_its_documents_no_longer_change()
    {
        var structure = await _world.StructureAsync();
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsync($"/api/v1/admin/structures/{structure.StructureId}/contract/approval", null),
            HttpStatusCode.Conflict, ProblemTypes.ContractAlreadyActive);
        await HttpAssert.ProblemAsync(await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "identity-document", World.Pdf),
            HttpStatusCode.Conflict, ProblemTypes.ContractAlreadyActive);
    }

    [Fact]
    public async Task A_mandataire_is_designated_once()
    {
        var structure = await _world.StructureAsync();
        var (card, _) = await _world.MandataireAsync(structure);
        await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync($"/api/v1/structures/{structure.StructureId}/mandataires", new { idNat = card.IdNat }),
            HttpStatusCode.Conflict, ProblemTypes.MandataireAlreadyDesignated);
    }

    [Fact]
    public async Task A_card_serial_is_registered_once_and_issued_once()
    {
        var structure = await _world.StructureAsync();
        var card = Registry.NewStaffCard(structure.Finess);
        await _world.RegisterCardAsync(card, "CPE", structure.StructureId);
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync("/api/v1/admin/cards", new
        {
            cardType = "CPE", serial = card.CardSerial, holder = new { idNat = card.IdNat + "B", nom = "N", prenom = "P" }, validUntil = DateTime.UtcNow.AddYears(1),
        }), HttpStatusCode.Conflict, ProblemTypes.CardSerialTaken);

        var order = (await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await _world.EventAsync(order, "in-production");
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync($"/api/v1/admin/orders/{order}/events", new { @event = "card-shipped", cardSerial = card.CardSerial }),
            HttpStatusCode.Conflict, ProblemTypes.CardSerialTaken);
    }

    [Fact]
    public async Task A_CPF_does_not_act_for_a_structure_even_when_its_holder_is_a_mandataire()
    {
        var structure = await _world.StructureAsync();
        var cps = Registry.NewProfessionalCard(10, "Médecin");
        await _world.RegisterCardAsync(cps, "CPS", null, healthProfessional: true);
        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync($"/api/v1/structures/{structure.StructureId}/mandataires", new { idNat = cps.IdNat }), HttpStatusCode.Created);
        var cpf = cps with { CardTypeCode = 1, CardSerial = Registry.NextSerial() };
        await _world.RegisterCardAsync(cpf, "CPF", null, healthProfessional: true);

        using var withCpf = host.CreateClient(cpf);
        await HttpAssert.ProblemAsync(await World.OrderAsync(withCpf, structure.StructureId, World.CpeOrder()), HttpStatusCode.Forbidden, ProblemTypes.CallerCardNotAllowed);
        using var withCps = host.CreateClient(cps);
        await HttpAssert.JsonAsync(await World.OrderAsync(withCps, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_clientAuth_certificate_of_the_card_CA_without_the_card_extensions_is_not_a_card()
    {
        var notACard = CpxTeleservice.DevPki.Pki.IssueOrganisation(host.Pki.CardCa, "LOGICIEL", "1750812349", "APPLICATION").WithPrivateKey();
        using var client = host.CreateClient(notACard);
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateNotACard);
    }

    [Fact]
    public async Task A_malformed_JSON_body_is_a_400_problem()
    {
        using var content = new StringContent("{\"finess\": ", Encoding.UTF8, "application/json");
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsync("/api/v1/admin/structures", content), HttpStatusCode.BadRequest, ProblemTypes.BadRequest);
    }

    [Fact]
    public async Task An_unknown_filter_value_is_a_422_naming_the_field()
    {
        var structure = await _world.StructureAsync();
        var problem = await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}/cards?state=lost"),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("state", out _));
    }
}

/// <summary>What the review of the first version found, each kept from coming back.</summary>
public class HardeningTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task A_structure_orders_only_for_IdNats_of_its_own_namespace()
    {
        var a = await _world.StructureAsync();
        var b = await _world.StructureAsync();
        // Another structure's legal representative, as the holder of a CPE: refused, field by field.
        var problem = await HttpAssert.ProblemAsync(await World.OrderAsync(a.LegalRepresentativeClient, a.StructureId,
                new { cardType = "CPE", holder = new { idNat = b.LegalRepresentative.IdNat, nom = b.LegalRepresentative.Nom, prenom = b.LegalRepresentative.Prenom } }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("holder.idNat", out _));
        // A CPS holder's IdNat is 0+ADELI.
        await HttpAssert.ProblemAsync(await World.OrderAsync(a.LegalRepresentativeClient, a.StructureId,
                new { cardType = "CPS", profession = "60", modeExercice = "S", holder = new { idNat = b.LegalRepresentative.IdNat, nom = "X", prenom = "Y", adeli = "751234567" } }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        // An IdNat of the structure's namespace already registered under another name.
        var staff = Registry.NewStaffCard(a.Finess, "EXISTANT");
        await _world.RegisterCardAsync(staff, "CPE", a.StructureId);
        await HttpAssert.ProblemAsync(await World.OrderAsync(a.LegalRepresentativeClient, a.StructureId,
                new { cardType = "CPE", holder = new { idNat = staff.IdNat, nom = "AUTRE", prenom = "NOM" } }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
    }

    [Fact]
    public async Task Opposition_cancels_a_renewal_not_yet_in_production_and_the_job_does_not_order_it_again()
    {
        var structure = await _world.StructureAsync();
        var db = host.Database.DataSource;
        var cardId = await Registry.AddCardAsync(db, Registry.NewProfessionalCard(), "CPS", structure.StructureId, validUntil: DateTimeOffset.UtcNow.AddDays(20));
        var job = host.Services.GetRequiredService<CpxTeleservice.Parc.RenewalJob>();
        Assert.True(await job.RunOnceAsync(CancellationToken.None) >= 1);

        using var opposition = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cards/{cardId}/opposition") { Content = JsonContent.Create(new { reason = "holder-left" }) };
        opposition.Headers.TryAddWithoutValidation("If-Match", "*");
        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.SendAsync(opposition));
        await job.RunOnceAsync(CancellationToken.None);

        await using var connection = await db.OpenConnectionAsync();
        var renewals = (await connection.QueryAsync<string>("SELECT state FROM orders WHERE replaces_card_id = @cardId AND kind = 'renewal'", new { cardId })).ToList();
        Assert.Equal(["cancelled"], renewals);
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

    [Fact]
    public async Task Contract_documents_are_read_back_as_uploaded_by_the_legal_representative_and_operators_only()
    {
        var structure = await _world.StructureAsync(approve: false);
        using var upload = await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "identity-document", World.Png, "cni.png");
        var location = upload.Headers.Location!.ToString();
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);

        using var asRepresentative = await structure.LegalRepresentativeClient.GetAsync(location);
        Assert.Equal("image/png", asRepresentative.Content.Headers.ContentType?.MediaType);
        Assert.Equal(World.Png, await asRepresentative.Content.ReadAsByteArrayAsync());
        using var asOperator = await _world.Operator.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, asOperator.StatusCode);

        await HttpAssert.JsonAsync(await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "act-of-nomination", World.Pdf), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await _world.Operator.PostAsync($"/api/v1/admin/structures/{structure.StructureId}/contract/approval", null));
        var (_, mandataire) = await _world.MandataireAsync(structure);
        await HttpAssert.ProblemAsync(await mandataire.GetAsync(location), HttpStatusCode.Forbidden, ProblemTypes.LegalRepresentativeOnly);
        var other = await _world.StructureAsync(approve: false);
        await HttpAssert.ProblemAsync(await other.LegalRepresentativeClient.GetAsync(location), HttpStatusCode.Forbidden, ProblemTypes.LegalRepresentativeOnly);
    }

    [Fact]
    public async Task The_structure_audit_pages_newest_first_without_repeating_an_entry()
    {
        var structure = await _world.StructureAsync();
        for (var i = 0; i < 3; i++)
        {
            await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created);
        }

        var ids = new List<long>();
        string? cursor = null;
        do
        {
            var page = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync(
                $"/api/v1/structures/{structure.StructureId}/audit?limit=2" + (cursor is null ? "" : $"&cursor={cursor}")));
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.True(ids.Count >= 7, $"{ids.Count} entries"); // registration, card, 2 documents, approval, 3 orders
        Assert.Equal(ids.OrderDescending(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task A_structure_without_FINESS_needs_its_departement()
    {
        var problem = await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync("/api/v1/admin/structures", new
        {
            siret = "13000578000015", raisonSociale = "SANS FINESS",
            legalRepresentative = new { idNat = "513000578000015/RL", nom = "X", prenom = "Y", healthProfessional = false },
        }), HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("departement", out _));
    }
}

/// <summary>An operator's card, once in the registry, is checked like any other (its own host: the operator is put in opposition).</summary>
public class OperatorCardTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    [Fact]
    public async Task A_registered_operator_card_in_opposition_stops_authenticating()
    {
        var card = ServiceHost.Operator;
        await Registry.AddCardAsync(host.Database.DataSource, card, "CPE", state: "opposition");
        using var client = host.CreateClient(card);
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardInOpposition);
    }
}
