using System.Collections.Concurrent;
using System.Net;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Xunit.Abstractions;

namespace CpxTeleservice.Tests.Faults;

/// <summary>
/// The server, a process of its own, killed with SIGKILL while a structure's software places orders,
/// each with an Idempotency-Key of its own; started again, it is sent every key once more: each key is
/// one order, whether its first answer came, was lost with the process, or never began.
/// </summary>
[Collection(nameof(OneFaultAtATime))]
public class ServiceKillTests(ITestOutputHelper output)
{
    private const int Orders = 240;
    private const int Workers = 12;

    /// <summary>The server is killed once this many orders are answered 201.</summary>
    private const int KillAfter = 40;

    private sealed record Answer(HttpStatusCode Status, string Body, string? Location, bool Replayed);

    [Fact]
    public async Task The_service_killed_under_a_load_of_order_creations_leaves_one_order_per_Idempotency_Key_and_the_retries_get_the_original_201()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var server = new ServiceProcess(database);
        await server.StartAsync();
        var structure = await new World(server.Client).StructureAsync();
        var keys = Enumerable.Range(0, Orders).Select(_ => Guid.NewGuid().ToString()).ToArray();

        // The load: workers place the orders one key after another; the server is killed mid-way.
        var first = new ConcurrentDictionary<int, Answer>();
        var created = 0;
        var next = -1;
        var killNow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (var client = server.Client(structure.LegalRepresentative))
        {
            var load = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < Orders; i = Interlocked.Increment(ref next))
                {
                    try
                    {
                        var answer = await PlaceAsync(client, structure.StructureId, i, keys[i]);
                        first[i] = answer;
                        if (answer.Status == HttpStatusCode.Created && Interlocked.Increment(ref created) == KillAfter)
                        {
                            killNow.TrySetResult();
                        }
                    }
                    catch (Exception exception) when (exception is HttpRequestException or IOException)
                    {
                        // No answer: the request died with the server, or found it gone.
                    }
                }
            })).ToArray();
            await Task.WhenAny(killNow.Task, Task.WhenAll(load));
            await server.KillAsync();
            await Task.WhenAll(load);
        }

        Assert.True(first.Count >= KillAfter, $"only {first.Count} orders were answered before the kill:\n{server.Log}");
        Assert.True(first.Count < Orders, "every order was answered before the kill: the server was killed too late");
        Assert.All(first.Values, a => Assert.True(a.Status == HttpStatusCode.Created, $"{(int)a.Status} {a.Body}"));

        // Started again (on the same database), the server is sent every key once more.
        await server.StartAsync();
        var retried = new ConcurrentDictionary<int, Answer>();
        using (var client = server.Client(structure.LegalRepresentative))
        {
            next = -1;
            await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < Orders; i = Interlocked.Increment(ref next))
                {
                    retried[i] = await RetryAsync(client, structure.StructureId, i, keys[i]);
                }
            })));
        }

        Assert.All(retried.Values, a => Assert.True(a.Status == HttpStatusCode.Created, $"{(int)a.Status} {a.Body}"));
        // A key answered before the kill is answered the same: the stored 201, replayed.
        Assert.All(first, pair =>
        {
            var again = retried[pair.Key];
            Assert.True(again.Replayed, $"key {pair.Key} was not replayed");
            Assert.Equal(pair.Value.Body, again.Body);
            Assert.Equal(pair.Value.Location, again.Location);
        });

        output.WriteLine($"{first.Count} of {Orders} orders answered 201 before the kill; of the {Orders - first.Count} others, " +
            $"{retried.Where(r => !first.ContainsKey(r.Key)).Count(r => r.Value.Replayed)} had been committed (their retry was a replay)");

        // One order per key, in SQL: as many orders and stored answers as keys, each retry naming its own.
        var ids = retried.Values.Select(a => System.Text.Json.JsonDocument.Parse(a.Body).RootElement.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(Orders, ids.Distinct().Count());
        await using var connection = await database.DataSource.OpenConnectionAsync();
        var stored = (await connection.QueryAsync<Guid>("SELECT id FROM orders WHERE structure_id = @StructureId", new { structure.StructureId })).ToList();
        Assert.Equal(ids.Order(), stored.Order());
        Assert.Equal(Orders, await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM idempotency_keys WHERE caller_id_nat = @IdNat AND scope = 'orders' AND key = ANY(@keys) AND status_code = 201",
            new { structure.LegalRepresentative.IdNat, keys }));
    }

    private static object Order(int i) => World.CpeOrder("AGENT", $"CHARGE{i}");

    private static async Task<Answer> PlaceAsync(HttpClient client, Guid structureId, int i, string key)
    {
        using var response = await World.OrderAsync(client, structureId, Order(i), key);
        var body = await response.Content.ReadAsStringAsync();
        return new Answer(response.StatusCode, body, response.Headers.Location?.ToString(),
            response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) && replayed.Contains("true"));
    }

    /// <summary>
    /// The key sent again; a 409 <c>idempotency-key-in-use</c> (a transaction of the killed process that
    /// PostgreSQL has not ended yet) is retried as the problem says, a bounded number of times.
    /// </summary>
    private static async Task<Answer> RetryAsync(HttpClient client, Guid structureId, int i, string key)
    {
        for (var attempt = 0; ; attempt++)
        {
            var answer = await PlaceAsync(client, structureId, i, key);
            if (answer.Status != HttpStatusCode.Conflict || !answer.Body.Contains(ProblemTypes.IdempotencyKeyInUse, StringComparison.Ordinal) || attempt == 20)
            {
                return answer;
            }

            await Task.Delay(250);
        }
    }
}
