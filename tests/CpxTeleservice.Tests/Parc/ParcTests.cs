using System.Net;
using System.Net.Http.Json;
using System.Text;
using CpxTeleservice.Authorization;
using CpxTeleservice.DevPki;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Parc;
using CpxTeleservice.Security;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.Parc;

/// <summary>The parc: listing, pagination, export, ETag, opposition and renewal.</summary>
public class ParcTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    private async Task<List<Guid>> CardsAsync(World.StructureActors structure, int count, string type = "CPE", DateTimeOffset? validUntil = null)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await Registry.AddCardAsync(host.Database.DataSource, Registry.NewStaffCard(structure.Finess), type, structure.StructureId, validUntil: validUntil));
        }

        return ids;
    }

    [Fact]
    public async Task Cursor_pagination_stays_correct_while_cards_are_added()
    {
        var structure = await _world.StructureAsync();
        await CardsAsync(structure, 7);
        var seen = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync(
                $"/api/v1/structures/{structure.StructureId}/cards?type=CPE&limit=3" + (cursor is null ? "" : $"&cursor={cursor}")));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("nextCursor").GetString();
            if (pages++ == 0)
            {
                await CardsAsync(structure, 2); // added between two pages
            }
        }
        while (cursor is not null);

        Assert.Equal(seen.Count, seen.Distinct().Count());
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        var all = (await connection.QueryAsync<Guid>("SELECT id FROM cards WHERE structure_id = @StructureId AND card_type = 'CPE' ORDER BY id", structure)).ToList();
        Assert.Equal(all, seen);
    }

    [Fact]
    public async Task Parc_filters_by_type_state_holder_and_expiry()
    {
        var structure = await _world.StructureAsync();
        var soon = await CardsAsync(structure, 1, "CPE", DateTimeOffset.UtcNow.AddDays(20));
        await CardsAsync(structure, 2);
        var db = host.Database.DataSource;
        var opposed = Registry.NewStaffCard(structure.Finess, "OPPOSE");
        await Registry.AddCardAsync(db, opposed, "CPE", structure.StructureId, state: "opposition");
        var expired = await CardsAsync(structure, 1, "CPE", DateTimeOffset.UtcNow.AddDays(-1));
        var client = structure.LegalRepresentativeClient;
        var url = $"/api/v1/structures/{structure.StructureId}/cards";

        async Task<List<Guid>> Ids(string query) =>
            (await HttpAssert.JsonAsync(await client.GetAsync(url + query))).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ToList();

        Assert.Equal(soon, await Ids($"?type=CPE&state=active&expiringBefore={DateTime.UtcNow.AddDays(30):yyyy-MM-dd}"));
        Assert.Single(await Ids("?state=opposition"));
        Assert.Equal(expired, await Ids("?state=expired"));
        Assert.Single(await Ids("?holder=OPPOSE"));
        Assert.Single(await Ids("?type=CDE")); // the legal representative's own card
    }

    [Fact]
    public async Task CSV_export_streams_the_same_selection_as_the_listing()
    {
        var structure = await _world.StructureAsync();
        await CardsAsync(structure, 5);
        await Registry.AddCardAsync(host.Database.DataSource, Registry.NewStaffCard(structure.Finess, "DUPONT, \"LE\" GRAND"), "CPE", structure.StructureId);
        var listing = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}/cards?type=CPE&limit=500"));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/structures/{structure.StructureId}/cards?type=CPE");
        request.Headers.Accept.ParseAdd("text/csv");
        using var response = await structure.LegalRepresentativeClient.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,card_type,serial,state,", lines[0]);
        Assert.Equal(listing.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetString()), lines.Skip(1).Select(l => l[..36]));
        Assert.Contains(lines, l => l.Contains("\"DUPONT, \"\"LE\"\" GRAND\""));
    }

    [Fact]
    public async Task Card_changes_require_If_Match_and_refuse_a_stale_ETag()
    {
        var structure = await _world.StructureAsync();
        var cardId = (await CardsAsync(structure, 1))[0];
        var client = structure.LegalRepresentativeClient;
        using var get = await client.GetAsync($"/api/v1/cards/{cardId}");
        var etag = get.Headers.ETag!.Tag;

        using (var notModified = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/cards/{cardId}"))
        {
            notModified.Headers.TryAddWithoutValidation("If-None-Match", etag);
            Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(notModified)).StatusCode);
        }

        await HttpAssert.ProblemAsync(await client.PostAsJsonAsync($"/api/v1/cards/{cardId}/opposition", new { reason = "lost" }),
            HttpStatusCode.PreconditionRequired, ProblemTypes.PreconditionRequired);

        var renewed = await SendWithIfMatch(client, $"/api/v1/cards/{cardId}/renewal", null, etag);
        var renewal = await HttpAssert.JsonAsync(renewed);
        Assert.NotEqual(etag, renewed.Headers.ETag!.Tag);
        var renewalOrder = await HttpAssert.JsonAsync(await client.GetAsync($"/api/v1/orders/{renewal.GetProperty("orderId").GetGuid()}"));
        Assert.Equal("renewal", renewalOrder.GetProperty("kind").GetString());
        Assert.False(renewalOrder.GetProperty("newCodes").GetBoolean()); // codes kept (seed 004 §5)
        Assert.Equal(System.Text.Json.JsonValueKind.Null, renewalOrder.GetProperty("expectedCodesDate").ValueKind);

        await HttpAssert.ProblemAsync(await SendWithIfMatch(client, $"/api/v1/cards/{cardId}/opposition", new { reason = "lost" }, etag),
            HttpStatusCode.PreconditionFailed, ProblemTypes.PreconditionFailed);
        await HttpAssert.ProblemAsync(await SendWithIfMatch(client, $"/api/v1/cards/{cardId}/renewal", null, "*"),
            HttpStatusCode.Conflict, ProblemTypes.RenewalAlreadyOrdered);
    }

    private static Task<HttpResponseMessage> SendWithIfMatch(HttpClient client, string url, object? body, string etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        return client.SendAsync(request);
    }

    [Fact]
    public async Task Holder_left_is_an_opposition_without_replacement()
    {
        var structure = await _world.StructureAsync();
        var cardId = (await CardsAsync(structure, 1))[0];
        await HttpAssert.ProblemAsync(await SendWithIfMatch(structure.LegalRepresentativeClient, $"/api/v1/cards/{cardId}/opposition", new { reason = "holder-left", replacement = true }, "*"),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.ReplacementNotForHolderLeft);
        var opposed = await HttpAssert.JsonAsync(await SendWithIfMatch(structure.LegalRepresentativeClient, $"/api/v1/cards/{cardId}/opposition", new { reason = "holder-left" }, "*"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, opposed.GetProperty("orderId").ValueKind);
        await HttpAssert.ProblemAsync(await SendWithIfMatch(structure.LegalRepresentativeClient, $"/api/v1/cards/{cardId}/opposition", new { reason = "lost" }, "*"),
            HttpStatusCode.Conflict, ProblemTypes.CardStateConflict);
    }

    [Fact]
    public async Task Automatic_renewal_creates_exactly_one_renewal_for_CPS_and_CDE_cards_entering_the_window()
    {
        var structure = await _world.StructureAsync();
        var db = host.Database.DataSource;
        var cps = await Registry.AddCardAsync(db, Registry.NewProfessionalCard(), "CPS", structure.StructureId, validUntil: DateTimeOffset.UtcNow.AddDays(30));
        var cde = await Registry.AddCardAsync(db, Registry.NewStaffCard(structure.Finess), "CDE", structure.StructureId, validUntil: DateTimeOffset.UtcNow.AddDays(60));
        var cpe = await Registry.AddCardAsync(db, Registry.NewStaffCard(structure.Finess), "CPE", structure.StructureId, validUntil: DateTimeOffset.UtcNow.AddDays(30));
        var far = await Registry.AddCardAsync(db, Registry.NewProfessionalCard(), "CPS", structure.StructureId, validUntil: DateTimeOffset.UtcNow.AddYears(2));

        var job = host.Services.GetRequiredService<RenewalJob>();
        await Task.WhenAll(job.RunOnceAsync(CancellationToken.None), job.RunOnceAsync(CancellationToken.None));
        await job.RunOnceAsync(CancellationToken.None);

        await using var connection = await db.OpenConnectionAsync();
        var renewals = (await connection.QueryAsync<Guid>(
            "SELECT replaces_card_id FROM orders WHERE kind = 'renewal' AND replaces_card_id = ANY(@cards)", new { cards = new[] { cps, cde, cpe, far } })).ToList();
        Assert.Equal(new[] { cps, cde }.Order(), renewals.Order());
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
    public async Task An_unknown_filter_value_is_a_422_naming_the_field()
    {
        var structure = await _world.StructureAsync();
        var problem = await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}/cards?state=lost"),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("state", out _));
    }
}
