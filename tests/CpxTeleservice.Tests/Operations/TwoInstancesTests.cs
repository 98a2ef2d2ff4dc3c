using System.Net;
using System.Net.Http.Json;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Operations;

/// <summary>
/// Instances share nothing but PostgreSQL: under a little load spread over two of them, both serve,
/// an Idempotency-Key means one order whichever instance answers, both list the same orders, and an
/// opposition recorded through one stops the card on the other at its next request.
/// </summary>
public class TwoInstancesTests(TwoInstances instances) : IClassFixture<TwoInstances>
{
    private const int Orders = 24;

    [Fact]
    public async Task Two_instances_on_one_database_both_serve_a_little_load_and_agree()
    {
        var world = new World(instances.First);
        var structure = await world.StructureAsync();
        using var onSecond = instances.Second.CreateClient(structure.LegalRepresentative);
        HttpClient[] clients = [structure.LegalRepresentativeClient, onSecond];

        // The load: orders placed concurrently, alternately through each instance.
        var keys = Enumerable.Range(0, Orders).Select(_ => Guid.NewGuid().ToString()).ToArray();
        var placed = await Task.WhenAll(keys.Select(async (key, i) =>
        {
            using var response = await World.OrderAsync(clients[i % 2], structure.StructureId, World.CpeOrder("AGENT", $"CHARGE{i}"), key);
            return (await HttpAssert.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        }));
        Assert.Equal(Orders, placed.Distinct().Count());

        // The same key through the other instance is the same order.
        for (var i = 0; i < Orders; i += 6)
        {
            using var replay = await World.OrderAsync(clients[(i + 1) % 2], structure.StructureId, World.CpeOrder("AGENT", $"CHARGE{i}"), keys[i]);
            Assert.Equal(placed[i], (await HttpAssert.JsonAsync(replay, HttpStatusCode.Created)).GetProperty("id").GetGuid());
        }

        // Both list the same orders.
        var lists = await Task.WhenAll(clients.Select(async client =>
            (await HttpAssert.JsonAsync(await client.GetAsync($"/api/v1/structures/{structure.StructureId}/orders?limit=500")))
                .GetProperty("items").EnumerateArray().Select(o => o.GetProperty("id").GetGuid()).Order().ToList()));
        Assert.Equal(lists[0], lists[1]);
        Assert.Equal(placed.Order(), lists[0]);

        // An opposition through the first instance bites on the second at the next request.
        var staff = Registry.NewStaffCard(structure.Finess, "PERDUE");
        var cardId = await world.RegisterCardAsync(staff, "CPE", structure.StructureId);
        using var staffOnSecond = instances.Second.CreateClient(staff);
        await HttpAssert.JsonAsync(await staffOnSecond.GetAsync("/api/v1/me"));
        using (var opposition = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cards/{cardId}/opposition") { Content = JsonContent.Create(new { reason = "lost" }) })
        {
            opposition.Headers.TryAddWithoutValidation("If-Match", "*");
            await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.SendAsync(opposition));
        }

        await HttpAssert.ProblemAsync(await staffOnSecond.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardInOpposition);
    }

    [Fact]
    public async Task An_opposition_made_through_one_instance_is_refused_by_the_other_on_its_very_next_request()
    {
        // The structure is run through the second instance; its staff member works through the first.
        var world = new World(instances.Second);
        var structure = await world.StructureAsync();
        var staff = Registry.NewStaffCard(structure.Finess, "EGAREE");
        var cardId = await world.RegisterCardAsync(staff, "CPE", structure.StructureId);
        using var staffOnFirst = instances.First.CreateClient(staff);
        for (var i = 0; i < 3; i++)
        {
            // The first instance has this card's connection open and its chain check cached.
            await HttpAssert.JsonAsync(await staffOnFirst.GetAsync("/api/v1/me"));
        }

        using (var opposition = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cards/{cardId}/opposition") { Content = JsonContent.Create(new { reason = "lost" }) })
        {
            opposition.Headers.TryAddWithoutValidation("If-Match", "*");
            await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.SendAsync(opposition));
        }

        // The very next request on the first instance, on the same connection, then on a new one: refused.
        await HttpAssert.ProblemAsync(await staffOnFirst.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardInOpposition);
        using (var fresh = instances.First.CreateClient(staff))
        {
            await HttpAssert.ProblemAsync(await fresh.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardInOpposition);
        }

        // The first instance's parc shows it in opposition, and the legal representative still works there.
        using var representativeOnFirst = instances.First.CreateClient(structure.LegalRepresentative);
        var card = await HttpAssert.JsonAsync(await representativeOnFirst.GetAsync($"/api/v1/cards/{cardId}"));
        Assert.Equal("opposition", card.GetProperty("state").GetString());
    }
}
