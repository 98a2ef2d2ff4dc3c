using System.Net;
using System.Net.Http.Json;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;

namespace CpxTeleservice.Tests.Orders;

/// <summary>Idempotency-Key on orders (IETF draft-ietf-httpapi-idempotency-key-header): nothing lost, nothing doubled on retries.</summary>
public class IdempotencyTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    private async Task<int> OrdersOfAsync(Guid structureId)
    {
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM orders WHERE structure_id = @structureId", new { structureId });
    }

    [Fact]
    public async Task Order_without_Idempotency_Key_is_a_400()
    {
        var structure = await _world.StructureAsync();
        using var response = await structure.LegalRepresentativeClient.PostAsJsonAsync($"/api/v1/structures/{structure.StructureId}/orders", World.CpeOrder());
        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.IdempotencyKeyMissing);
        Assert.Equal(0, await OrdersOfAsync(structure.StructureId));
    }

    [Fact]
    public async Task Retry_with_the_same_key_replays_the_stored_response()
    {
        var structure = await _world.StructureAsync();
        var key = Guid.NewGuid().ToString();
        using var first = await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder(), key);
        using var retry = await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder(), key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, await OrdersOfAsync(structure.StructureId));
    }

    [Fact]
    public async Task Same_key_with_another_body_is_a_422()
    {
        var structure = await _world.StructureAsync();
        var key = Guid.NewGuid().ToString();
        await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder("UN", "AGENT"), key), HttpStatusCode.Created);
        await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder("AUTRE", "AGENT"), key),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.IdempotencyKeyReused);
        Assert.Equal(1, await OrdersOfAsync(structure.StructureId));
    }

    [Fact]
    public async Task Retry_while_the_first_request_is_running_is_a_409()
    {
        var structure = await _world.StructureAsync();
        var key = Guid.NewGuid().ToString();
        // Hold the key's lock as the first request's transaction does while it runs.
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended(@lockKey, 0))",
            new { lockKey = $"idempotency\n{structure.LegalRepresentative.IdNat}\n{key}" }, transaction);

        await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder(), key),
            HttpStatusCode.Conflict, ProblemTypes.IdempotencyKeyInUse);
        await transaction.RollbackAsync();

        await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder(), key), HttpStatusCode.Created);
        Assert.Equal(1, await OrdersOfAsync(structure.StructureId));
    }

    [Fact]
    public async Task Concurrent_duplicates_create_exactly_one_order()
    {
        var structure = await _world.StructureAsync();
        var key = Guid.NewGuid().ToString();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder(), key)));
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        var ids = new HashSet<string>();
        foreach (var response in responses.Where(r => r.StatusCode == HttpStatusCode.Created))
        {
            ids.Add((await HttpAssert.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!);
        }

        Assert.Single(ids);
        Assert.Equal(1, await OrdersOfAsync(structure.StructureId));
    }

    [Fact]
    public async Task A_refused_order_does_not_burn_its_key()
    {
        var structure = await _world.StructureAsync();
        var key = Guid.NewGuid().ToString();
        await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder("10"), key),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.CpsRppsThroughOrdre);
        await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder(), key), HttpStatusCode.Created);
    }
}
