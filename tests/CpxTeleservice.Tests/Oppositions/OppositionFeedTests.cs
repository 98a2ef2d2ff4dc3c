using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Events;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Oppositions;

/// <summary>The opposition feed: a configured relying party reads, after its cursor, every card put in opposition with its certificates, in order.</summary>
public class OppositionFeedTests(EventsHost host) : IClassFixture<EventsHost>
{
    private readonly World _world = new(host);

    private HttpClient RelyingParty(string ou = EventsHost.RelyingPartyOu, string cn = EventsHost.RelyingPartyCn) =>
        host.CreateClient(CpxTeleservice.DevPki.Pki.IssueOrganisation(host.Pki.OrganisationCa, "CONTROLE", ou, cn).WithPrivateKey());

    private async Task<(List<System.Text.Json.JsonElement> Items, string Next)> ReadAsync(HttpClient client, string? after)
    {
        var items = new List<System.Text.Json.JsonElement>();
        while (true)
        {
            var page = await HttpAssert.JsonAsync(await client.GetAsync("/api/v1/oppositions?limit=1" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after))));
            after = page.GetProperty("next").GetString();
            var got = page.GetProperty("items").EnumerateArray().ToList();
            if (got.Count == 0)
            {
                return (items, after!);
            }

            items.AddRange(got);
        }
    }

    private async Task OpposeAsync(HttpClient client, Guid cardId, string reason)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cards/{cardId}/opposition") { Content = JsonContent.Create(new { reason }) };
        request.Headers.TryAddWithoutValidation("If-Match", "*");
        await HttpAssert.JsonAsync(await client.SendAsync(request));
    }

    [Fact]
    public async Task A_relying_party_reads_the_oppositions_after_its_cursor_in_order_with_card_and_certificate_serials()
    {
        var party = RelyingParty();
        var (_, start) = await ReadAsync(party, null);

        var structure = await _world.StructureAsync();
        var first = Registry.NewStaffCard(structure.Finess);
        var second = Registry.NewStaffCard(structure.Finess);
        var firstId = await _world.RegisterCardAsync(first, "CPE", structure.StructureId);
        var secondId = await _world.RegisterCardAsync(second, "CPE", structure.StructureId);
        await Registry.AddCertificateAsync(host.Database.DataSource, firstId, "authentication", "TEST AC IGC-SANTE FORT PERSONNES", "0A1B2C");

        await OpposeAsync(structure.LegalRepresentativeClient, secondId, "lost");
        await OpposeAsync(structure.LegalRepresentativeClient, firstId, "stolen");

        var (items, next) = await ReadAsync(party, start);
        var mine = items.Where(i => i.GetProperty("cardSerial").GetString() is { } s && (s == first.CardSerial || s == second.CardSerial)).ToList();
        Assert.Equal([second.CardSerial, first.CardSerial], mine.Select(i => i.GetProperty("cardSerial").GetString()));
        Assert.Equal(["lost", "stolen"], mine.Select(i => i.GetProperty("reason").GetString()));
        var certificate = Assert.Single(mine[1].GetProperty("certificates").EnumerateArray());
        Assert.Equal("0A1B2C", certificate.GetProperty("serialNumber").GetString());
        Assert.Equal("TEST AC IGC-SANTE FORT PERSONNES", certificate.GetProperty("issuer").GetString());

        // Nothing new: the same cursor comes back with no item.
        var (none, again) = await ReadAsync(party, next);
        Assert.Empty(none);
        Assert.Equal(next, again);
    }

    [Fact]
    public async Task Only_a_configured_relying_partys_organisation_certificate_reads_the_oppositions()
    {
        await HttpAssert.ProblemAsync(await host.CreateClient((X509Certificate2?)null).GetAsync("/api/v1/oppositions"),
            HttpStatusCode.Unauthorized, ProblemTypes.CertificateRequired);
        await HttpAssert.ProblemAsync(await RelyingParty(ou: "2750000001").GetAsync("/api/v1/oppositions"),
            HttpStatusCode.Unauthorized, ProblemTypes.RelyingPartyUnknown);
        await HttpAssert.ProblemAsync(await RelyingParty(cn: "AUTRE APPLICATION").GetAsync("/api/v1/oppositions"),
            HttpStatusCode.Unauthorized, ProblemTypes.RelyingPartyUnknown);
        // A card, even an operator's, is not a relying party.
        await HttpAssert.ProblemAsync(await _world.Operator.GetAsync("/api/v1/oppositions"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateUntrusted);
        await HttpAssert.ProblemAsync(await RelyingParty().GetAsync("/api/v1/oppositions?after=forged"), HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
    }
}
