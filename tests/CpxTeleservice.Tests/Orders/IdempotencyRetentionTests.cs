using System.Net;
using System.Net.Http.Json;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Tests.Orders;

/// <summary>
/// Idempotency-Keys expire (Idempotency__RetentionHours, 24 by default): the purge pass deletes the keys
/// claimed longer ago than the retention, in batches, by the service's clock; a key past its retention is
/// a new key; a claim in progress is never touched. The pass runs here as the service's runtime role, on a
/// connection whose clock is moved ahead as Clock__OffsetSeconds moves it (cpx.clock_offset).
/// </summary>
public class IdempotencyRetentionTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    private readonly World _world = new(host);

    /// <summary>One purge pass as an instance whose clock runs <paramref name="ahead"/> of the real one would run it.</summary>
    private async Task<int> PurgeAsync(TimeSpan ahead, Action<int>? batches = null, CancellationToken cancellationToken = default)
    {
        await using var dataSource = NpgsqlDataSource.Create(Clock.WithClock(host.Database.RuntimeConnectionString, new OffsetTimeProvider(ahead)));
        var job = new IdempotencyPurgeJob(dataSource, Options.Create(new IdempotencyOptions()), NullLogger<IdempotencyPurgeJob>.Instance) { BatchDeleted = batches };
        return await job.RunOnceAsync(cancellationToken);
    }

    private async Task<bool> KeyExistsAsync(string key)
    {
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM idempotency_keys WHERE key = @key)", new { key });
    }

    private async Task<int> OrdersOfAsync(Guid structureId)
    {
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM orders WHERE structure_id = @structureId", new { structureId });
    }

    /// <summary>Rows claimed <paramref name="age"/> ago by the real clock, each with a key of the given prefix.</summary>
    private async Task InsertKeysAsync(string prefix, int count, TimeSpan age)
    {
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO idempotency_keys (caller_id_nat, scope, key, request_hash, status_code, response_body, created_at)
            SELECT 'test', 'orders', @prefix || i, 'hash', 201, '{}', now() - @age FROM generate_series(1, @count) i
            """, new { prefix, count, age });
    }

    private async Task<long> KeysWithPrefixAsync(string prefix)
    {
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM idempotency_keys WHERE key LIKE @pattern", new { pattern = prefix + "%" });
    }

    [Fact]
    public async Task Purge_deletes_only_keys_older_than_the_retention_by_the_service_clock()
    {
        var structure = await _world.StructureAsync();
        var key = Guid.NewGuid().ToString();
        await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder(), key), HttpStatusCode.Created);

        await PurgeAsync(Retention - TimeSpan.FromHours(1));
        Assert.True(await KeyExistsAsync(key), "a key 23 h old is within the retention");

        await PurgeAsync(Retention + TimeSpan.FromHours(1));
        Assert.False(await KeyExistsAsync(key), "a key 25 h old is past the retention");
        Assert.Equal(1, await OrdersOfAsync(structure.StructureId));
    }

    [Fact]
    public async Task Retry_within_the_retention_still_replays_after_a_purge_pass()
    {
        var structure = await _world.StructureAsync();
        var key = Guid.NewGuid().ToString();
        using var first = await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder(), key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        await PurgeAsync(Retention - TimeSpan.FromHours(1));

        using var retry = await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder(), key);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal(1, await OrdersOfAsync(structure.StructureId));
    }

    [Fact]
    public async Task After_the_purge_the_same_key_creates_a_new_order()
    {
        var structure = await _world.StructureAsync();
        var key = Guid.NewGuid().ToString();
        var first = await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder(), key), HttpStatusCode.Created);

        Assert.True(await PurgeAsync(Retention + TimeSpan.FromHours(1)) >= 1);

        using var retry = await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder(), key);
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
        var second = await HttpAssert.JsonAsync(retry, HttpStatusCode.Created);
        Assert.NotEqual(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
        Assert.Equal(2, await OrdersOfAsync(structure.StructureId));
    }

    [Fact]
    public async Task A_key_past_the_retention_is_a_new_key_before_the_purge_has_run()
    {
        var structure = await _world.StructureAsync();
        var key = Guid.NewGuid().ToString();
        await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder("UN", "AGENT"), key), HttpStatusCode.Created);
        await using (var connection = await host.Database.DataSource.OpenConnectionAsync())
        {
            // Claimed 25 hours ago; no pass has run since.
            await connection.ExecuteAsync("UPDATE idempotency_keys SET created_at = created_at - interval '25 hours' WHERE key = @key", new { key });
        }

        // Another body would be a 422 within the retention: past it, the key serves the new request.
        using var again = await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder("AUTRE", "AGENT"), key);
        Assert.False(again.Headers.Contains("Idempotent-Replayed"));
        await HttpAssert.JsonAsync(again, HttpStatusCode.Created);
        Assert.Equal(2, await OrdersOfAsync(structure.StructureId));

        // The key is claimed afresh: a retry now replays the second order.
        using var retry = await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder("AUTRE", "AGENT"), key);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, await OrdersOfAsync(structure.StructureId));
    }

    [Fact]
    public async Task Purge_deletes_in_batches_of_at_most_1000_rows_until_none_is_left()
    {
        var prefix = "batch-" + Guid.NewGuid().ToString("N")[..8] + "-";
        await InsertKeysAsync(prefix + "old-", 2500, TimeSpan.FromHours(25));
        await InsertKeysAsync(prefix + "new-", 10, TimeSpan.FromHours(23));
        var batches = new List<int>();

        var deleted = await PurgeAsync(TimeSpan.Zero, batches.Add);

        Assert.Equal(2500, deleted);
        Assert.Equal([1000, 1000, 500], batches);
        Assert.Equal(0, await KeysWithPrefixAsync(prefix + "old-"));
        Assert.Equal(10, await KeysWithPrefixAsync(prefix + "new-"));
    }

    [Fact]
    public async Task Purge_passes_run_at_once_delete_each_expired_key_once_and_both_finish()
    {
        var prefix = "twice-" + Guid.NewGuid().ToString("N")[..8] + "-";
        await InsertKeysAsync(prefix, 2500, TimeSpan.FromHours(25));

        var both = await Task.WhenAll(PurgeAsync(TimeSpan.Zero), PurgeAsync(TimeSpan.Zero));

        Assert.Equal(2500, both.Sum());
        Assert.Equal(0, await KeysWithPrefixAsync(prefix));
    }

    [Fact]
    public async Task Purge_skips_an_expired_key_another_transaction_holds_without_waiting_for_it()
    {
        var prefix = "held-" + Guid.NewGuid().ToString("N")[..8] + "-";
        await InsertKeysAsync(prefix, 2, TimeSpan.FromHours(25));
        await using var holder = await host.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        // As a claim replacing an expired key holds its row until it commits.
        await holder.ExecuteAsync("SELECT 1 FROM idempotency_keys WHERE key = @key FOR UPDATE", new { key = prefix + "1" }, transaction);

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await PurgeAsync(TimeSpan.Zero, cancellationToken: bound.Token);
        Assert.Equal(1, await KeysWithPrefixAsync(prefix));

        await transaction.RollbackAsync();
        await PurgeAsync(TimeSpan.Zero);
        Assert.Equal(0, await KeysWithPrefixAsync(prefix));
    }

    [Fact]
    public async Task Purge_cannot_touch_a_claim_in_progress_whose_row_is_uncommitted()
    {
        var key = "in-progress-" + Guid.NewGuid().ToString("N");
        await using var claimer = new NpgsqlConnection(host.Database.RuntimeConnectionString);
        await claimer.OpenAsync();
        await using var transaction = await claimer.BeginTransactionAsync();
        // A claim (status 0) of a request still running, stamped as old as can be: uncommitted, no pass sees it.
        await claimer.ExecuteAsync(
            "INSERT INTO idempotency_keys (caller_id_nat, scope, key, request_hash, status_code, response_body, created_at) VALUES ('test', 'orders', @key, 'hash', 0, '', now() - interval '30 days')",
            new { key }, transaction);

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await PurgeAsync(TimeSpan.Zero, cancellationToken: bound.Token);

        await claimer.ExecuteAsync("UPDATE idempotency_keys SET status_code = 201, response_body = '{}' WHERE key = @key", new { key }, transaction);
        await transaction.CommitAsync();
        Assert.True(await KeyExistsAsync(key), "the claim committed with its response");
    }
}
