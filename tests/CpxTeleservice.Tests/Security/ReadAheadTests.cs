using System.Net;
using System.Net.Http.Json;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;

namespace CpxTeleservice.Tests.Security;

/// <summary>
/// GET /me, the parc and orders listings, a card, an order and the caller's own cards and orders let authentication make their reads in the registry
/// check's round trip (api/Security/ReadAhead.cs): one round trip per request where there were two or three, counted on the request's own trace
/// over both pools. Each request is sent once before it is counted: a card reads ahead only once it has authenticated on
/// its connection (and its certificate is then recorded, one insert per TLS connection).
/// </summary>
public class ReadAheadTests(ServiceHost host) : IClassFixture<ServiceHost>, IDisposable
{
    private readonly World _world = new(host);
    private readonly CommandSpans _spans = new();

    public void Dispose()
    {
        _spans.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task<(HttpResponseMessage Response, List<System.Diagnostics.Activity> Commands)> GetTwiceAsync(HttpClient client, string path)
    {
        using (var warm = await client.GetAsync(path))
        {
            await warm.Content.ReadAsStringAsync();
        }

        return await _spans.SendTracedAsync(client, HttpMethod.Get, path);
    }

    [Fact]
    public async Task GET_me_reads_the_card_and_its_roles_in_one_round_trip()
    {
        var structure = await _world.StructureAsync();
        var (response, commands) = await GetTwiceAsync(structure.LegalRepresentativeClient, "/api/v1/me");

        var me = await HttpAssert.JsonAsync(response);
        Assert.True(commands.Count == 1, CommandSpans.Texts(commands));
        var role = Assert.Single(me.GetProperty("structures").EnumerateArray());
        Assert.Equal(structure.StructureId, role.GetProperty("structureId").GetGuid());
        Assert.Equal("legal-representative", role.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Parc_listing_pages_first_next_and_filtered_are_each_one_round_trip()
    {
        var structure = await _world.StructureAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await _world.RegisterCardAsync(Registry.NewStaffCard(structure.Finess, $"PARC{i}"), "CPE", structure.StructureId));
        }

        var path = $"/api/v1/structures/{structure.StructureId}/cards";
        var (first, firstCommands) = await GetTwiceAsync(structure.LegalRepresentativeClient, path + "?limit=2");
        var firstPage = await HttpAssert.JsonAsync(first);
        Assert.True(firstCommands.Count == 1, CommandSpans.Texts(firstCommands));
        var cursor = firstPage.GetProperty("nextCursor").GetString()!;

        var (next, nextCommands) = await GetTwiceAsync(structure.LegalRepresentativeClient, $"{path}?limit=2&cursor={Uri.EscapeDataString(cursor)}");
        var nextPage = await HttpAssert.JsonAsync(next);
        Assert.True(nextCommands.Count == 1, CommandSpans.Texts(nextCommands));

        var expiring = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddYears(10).ToString("O"));
        var (filtered, filteredCommands) = await GetTwiceAsync(structure.LegalRepresentativeClient, $"{path}?type=CPE&state=active&holder=PARC&expiringBefore={expiring}");
        var filteredPage = await HttpAssert.JsonAsync(filtered);
        Assert.True(filteredCommands.Count == 1, CommandSpans.Texts(filteredCommands));

        // The pages are the parc's (the legal representative's card and the three), in id order; the filter keeps the three.
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        var parc = await connection.QueryAsync<Guid>("SELECT id FROM cards WHERE structure_id = @StructureId ORDER BY id", new { structure.StructureId });
        Assert.Equal(parc, firstPage.GetProperty("items").EnumerateArray().Concat(nextPage.GetProperty("items").EnumerateArray()).Select(c => c.GetProperty("id").GetGuid()));
        Assert.Equal(ids.Order(), filteredPage.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task Parc_listing_of_a_structure_the_caller_does_not_act_for_is_refused_403_read_ahead_or_not()
    {
        var mine = await _world.StructureAsync();
        var other = await _world.StructureAsync();
        await _world.RegisterCardAsync(Registry.NewStaffCard(other.Finess, "AUTRUI"), "CPE", other.StructureId);

        var (response, commands) = await GetTwiceAsync(mine.LegalRepresentativeClient, $"/api/v1/structures/{other.StructureId}/cards");

        await HttpAssert.ProblemAsync(response, HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        // The page read ahead is empty (it reads through the caller's rights); the role read tells "not yours"; the refusal is audited.
        Assert.True(commands.Count == 3 && CommandSpans.Texts(commands).Contains("SELECT role FROM caller_structures", StringComparison.Ordinal)
            && CommandSpans.Texts(commands).Contains("INSERT INTO audit_events", StringComparison.Ordinal), CommandSpans.Texts(commands));
    }

    [Fact]
    public async Task Parc_listing_with_a_filter_the_endpoint_refuses_is_not_read_ahead_and_answers_422_as_before()
    {
        var structure = await _world.StructureAsync();
        var path = $"/api/v1/structures/{structure.StructureId}/cards";

        var (invalid, commands) = await GetTwiceAsync(structure.LegalRepresentativeClient, path + "?type=XYZ");
        await HttpAssert.ProblemAsync(invalid, HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        // The registry check alone, then the refusal's audit line: no page read.
        Assert.True(commands.Count == 2 && !CommandSpans.Texts(commands).Contains("card_rows", StringComparison.Ordinal), CommandSpans.Texts(commands));

        var (badCursor, _) = await GetTwiceAsync(structure.LegalRepresentativeClient, path + "?cursor=forged");
        await HttpAssert.ProblemAsync(badCursor, HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
    }

    [Fact]
    public async Task GET_card_reads_its_visibility_the_card_its_certificates_and_history_in_one_round_trip()
    {
        var structure = await _world.StructureAsync();
        var cardId = await _world.RegisterCardAsync(Registry.NewStaffCard(structure.Finess, "FICHE"), "CPE", structure.StructureId);

        var (response, commands) = await GetTwiceAsync(structure.LegalRepresentativeClient, $"/api/v1/cards/{cardId}");

        var card = await HttpAssert.JsonAsync(response);
        Assert.True(commands.Count == 1, CommandSpans.Texts(commands));
        Assert.Equal(cardId, card.GetProperty("id").GetGuid());
        Assert.NotEmpty(card.GetProperty("history").EnumerateArray());
        Assert.NotNull(response.Headers.ETag);
    }

    [Fact]
    public async Task GET_card_of_another_structure_is_404_its_refusal_audited_with_that_structure_without_another_read()
    {
        var mine = await _world.StructureAsync();
        var other = await _world.StructureAsync();
        var cardId = await _world.RegisterCardAsync(Registry.NewStaffCard(other.Finess, "CACHEE"), "CPE", other.StructureId);

        var (response, commands) = await GetTwiceAsync(mine.LegalRepresentativeClient, $"/api/v1/cards/{cardId}");

        await HttpAssert.ProblemAsync(response, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        // The registry check with the card read ahead, then the refusal's audit line.
        Assert.True(commands.Count == 2, CommandSpans.Texts(commands));
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM audit_events WHERE structure_id = @StructureId AND action = 'GetCard' AND outcome = 'refused:not-found'", new { other.StructureId }));
    }

    [Fact]
    public async Task GET_my_cards_is_one_round_trip()
    {
        var structure = await _world.StructureAsync();
        var card = Registry.NewStaffCard(structure.Finess, "MOI");
        var cardId = await _world.RegisterCardAsync(card, "CPE", structure.StructureId);
        using var client = host.CreateClient(card);

        var (response, commands) = await GetTwiceAsync(client, "/api/v1/me/cards");

        var page = await HttpAssert.JsonAsync(response);
        Assert.True(commands.Count == 1, CommandSpans.Texts(commands));
        Assert.Equal(cardId, Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Orders_listing_an_order_and_my_orders_are_each_one_round_trip_another_structures_order_404_audited()
    {
        var structure = await _world.StructureAsync();
        var other = await _world.StructureAsync();
        var created = await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder("AGENT", "AVANCE")),
            HttpStatusCode.Created);
        var orderId = created.GetProperty("id").GetGuid();
        var client = structure.LegalRepresentativeClient;

        var (list, listCommands) = await GetTwiceAsync(client, $"/api/v1/structures/{structure.StructureId}/orders?state={created.GetProperty("state").GetString()}&cardType=CPE");
        Assert.Equal(orderId, Assert.Single((await HttpAssert.JsonAsync(list)).GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.True(listCommands.Count == 1, CommandSpans.Texts(listCommands));

        var (order, orderCommands) = await GetTwiceAsync(client, $"/api/v1/orders/{orderId}");
        var read = await HttpAssert.JsonAsync(order);
        Assert.True(orderCommands.Count == 1, CommandSpans.Texts(orderCommands));
        Assert.Equal(orderId, read.GetProperty("id").GetGuid());
        Assert.NotEmpty(read.GetProperty("history").EnumerateArray());

        var (mine, mineCommands) = await GetTwiceAsync(client, "/api/v1/me/orders");
        await HttpAssert.JsonAsync(mine);
        Assert.True(mineCommands.Count == 1, CommandSpans.Texts(mineCommands));

        var (refused, refusedCommands) = await GetTwiceAsync(other.LegalRepresentativeClient, $"/api/v1/orders/{orderId}");
        await HttpAssert.ProblemAsync(refused, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        Assert.True(refusedCommands.Count == 2, CommandSpans.Texts(refusedCommands));
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM audit_events WHERE structure_id = @StructureId AND action = 'GetOrder' AND outcome = 'refused:not-found'", new { structure.StructureId }));
    }

    [Fact]
    public async Task Opposition_the_very_next_parc_listing_of_the_opposed_card_is_refused_401_and_its_later_requests_read_nothing_ahead()
    {
        var structure = await _world.StructureAsync();
        var (mandataire, client) = await _world.MandataireAsync(structure);
        var path = $"/api/v1/structures/{structure.StructureId}/cards";
        var parc = await HttpAssert.JsonAsync(await client.GetAsync(path));
        var cardId = parc.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("holderIdNat").GetString() == mandataire.IdNat).GetProperty("id").GetGuid();

        using (var opposition = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cards/{cardId}/opposition") { Content = JsonContent.Create(new { reason = "stolen" }) })
        {
            opposition.Headers.TryAddWithoutValidation("If-Match", "*");
            await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.SendAsync(opposition));
        }

        // The first refusal on the connection: its page, read with the registry check, is discarded with it.
        var (refused, _) = await _spans.SendTracedAsync(client, HttpMethod.Get, path);
        var problem = await HttpAssert.ProblemAsync(refused, HttpStatusCode.Unauthorized, ProblemTypes.CardInOpposition);
        Assert.False(problem.TryGetProperty("items", out _));

        // Refused once, the card reads nothing ahead any more: each further request costs the registry read alone (and
        // the refusal's audit, counted per source and reason).
        var (again, commands) = await _spans.SendTracedAsync(client, HttpMethod.Get, path);
        await HttpAssert.ProblemAsync(again, HttpStatusCode.Unauthorized, ProblemTypes.CardInOpposition);
        var texts = commands.Select(c => c.GetTagItem("db.query.text") as string ?? "").ToList();
        Assert.True(texts.Count(t => t.StartsWith("SELECT", StringComparison.Ordinal)) == 1 && !texts.Any(t => t.Contains("card_rows", StringComparison.Ordinal)),
            CommandSpans.Texts(commands));
    }

    [Fact]
    public async Task A_card_new_on_its_connection_reads_nothing_ahead_its_first_request_answered_as_before()
    {
        var structure = await _world.StructureAsync();
        var card = Registry.NewStaffCard(structure.Finess, "NOUVEAU");
        await _world.RegisterCardAsync(card, "CPE", structure.StructureId);
        using var client = host.CreateClient(card);

        var (response, commands) = await _spans.SendTracedAsync(client, HttpMethod.Get, "/api/v1/me");

        await HttpAssert.JsonAsync(response);
        // The registry read alone, the certificate recorded, then the roles read by the endpoint.
        Assert.True(commands.Count == 3 && CommandSpans.Texts(commands).Contains("INSERT INTO card_certificates", StringComparison.Ordinal), CommandSpans.Texts(commands));
    }
}
