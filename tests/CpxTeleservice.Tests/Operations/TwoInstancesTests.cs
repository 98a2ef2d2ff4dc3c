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
}
