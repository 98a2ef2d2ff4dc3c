using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Xunit.Abstractions;

namespace CpxTeleservice.Tests.Faults;

/// <summary>
/// PostgreSQL stopped and started again under the service while a structure's software reads and
/// places orders over the real TLS port: meanwhile every request is a 503 problem with Retry-After
/// (card authentication included: neither let through nor refused), never a 500; once PostgreSQL is
/// back the same service, not restarted, serves again; an order retried with its key is one order.
/// </summary>
[Collection(nameof(OneFaultAtATime))]
public class DatabaseRestartTests(OwnClusterHost host, ITestOutputHelper output) : IClassFixture<OwnClusterHost>
{
    private const int Workers = 6;

    private sealed record Answer(string Request, HttpStatusCode Status, string? Type, TimeSpan? RetryAfter, string Body);

    [Fact]
    public async Task PostgreSQL_restarted_under_REST_load_is_answered_503_database_unavailable_with_Retry_After_and_the_service_recovers_by_itself()
    {
        var world = new World(host);
        var structure = await world.StructureAsync();
        var client = structure.LegalRepresentativeClient;

        // The load: reads of the caller and of the structure's orders, and orders placed, each with a key of its own.
        var answers = new ConcurrentQueue<Answer>();
        var noAnswer = new ConcurrentQueue<Exception>();
        var keys = new ConcurrentDictionary<string, int>();
        var created = new ConcurrentDictionary<string, string>();
        var placed = 0;
        using var stopLoad = new CancellationTokenSource();
        var load = Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            for (var n = worker; !stopLoad.IsCancellationRequested; n++)
            {
                try
                {
                    switch (n % 3)
                    {
                        case 0:
                            answers.Enqueue(await AnswerAsync("GET /me", await client.GetAsync("/api/v1/me")));
                            break;
                        case 1:
                            answers.Enqueue(await AnswerAsync("GET orders", await client.GetAsync($"/api/v1/structures/{structure.StructureId}/orders?limit=5")));
                            break;
                        default:
                            var key = Guid.NewGuid().ToString();
                            var i = Interlocked.Increment(ref placed);
                            keys[key] = i;
                            var answer = await AnswerAsync("POST order", await World.OrderAsync(client, structure.StructureId, Order(i), key));
                            answers.Enqueue(answer);
                            if (answer.Status == HttpStatusCode.Created)
                            {
                                created[key] = answer.Body;
                            }

                            break;
                    }
                }
                catch (HttpRequestException exception)
                {
                    noAnswer.Enqueue(exception);
                }

                await Task.Delay(10);
            }
        })).ToArray();

        try
        {
            await UntilAsync(() => answers.Count(a => a.Status is HttpStatusCode.OK or HttpStatusCode.Created) >= 30, "the load is served");
            await host.Cluster.StopServerAsync();
            var atStop = answers.Count;

            // While PostgreSQL is away: the registered card and a card the registry does not know get the
            // same 503 (the registry cannot be read); a request without a certificate needs no registry.
            var me = await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.ServiceUnavailable, ProblemTypes.DatabaseUnavailable);
            Assert.DoesNotContain("Npgsql", me.GetRawText());
            using (var stranger = host.CreateClient(Registry.NewStaffCard(structure.Finess)))
            {
                using var response = await stranger.GetAsync("/api/v1/me");
                Assert.Equal(TimeSpan.FromSeconds(DatabaseOutage.RetryAfterSeconds), response.Headers.RetryAfter?.Delta);
                await HttpAssert.ProblemAsync(response, HttpStatusCode.ServiceUnavailable, ProblemTypes.DatabaseUnavailable);
            }

            using (var anonymous = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null))
            {
                await HttpAssert.ProblemAsync(await anonymous.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateRequired);
                await HttpAssert.ProblemAsync(await anonymous.GetAsync("/health/ready"), HttpStatusCode.ServiceUnavailable, ProblemTypes.NotReady);
                Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
            }

            await UntilAsync(() => answers.Skip(atStop).Count(a => a.Status == HttpStatusCode.ServiceUnavailable) >= 30, "the load meets the outage");

            // PostgreSQL back: the same service serves again, by itself.
            await host.Cluster.StartServerAsync();
            var attempts = 0;
            await UntilAsync(async () =>
            {
                attempts++;
                using var response = await client.GetAsync("/api/v1/me");
                return response.StatusCode == HttpStatusCode.OK;
            }, "GET /me is served again");
            output.WriteLine($"PostgreSQL started again: GET /me served at attempt {attempts}");
            var atRestart = answers.Count;
            await UntilAsync(() => answers.Skip(atRestart).Count(a => a.Status == HttpStatusCode.Created) >= 10, "orders are placed again");
        }
        finally
        {
            await stopLoad.CancelAsync();
            await Task.WhenAll(load);
        }

        Assert.Empty(noAnswer);
        var all = answers.ToList();
        Assert.Contains(all, a => a.Status == HttpStatusCode.ServiceUnavailable);
        // Nothing but the answers of a working service and the outage's: no 500, no 401.
        Assert.All(all, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable,
            $"{a.Request}: {(int)a.Status} {a.Body}"));
        Assert.All(all.Where(a => a.Status == HttpStatusCode.ServiceUnavailable), a =>
        {
            Assert.Equal(ProblemTypes.DatabaseUnavailable, a.Type);
            Assert.Equal(TimeSpan.FromSeconds(DatabaseOutage.RetryAfterSeconds), a.RetryAfter);
        });

        output.WriteLine($"{all.Count} answers: " + string.Join(", ", all.GroupBy(a => (int)a.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} × {g.Key}")) +
            $"; {keys.Count - created.Count} of {keys.Count} orders without a 201 during the load");

        // Every order not answered 201 is retried with its key: one order per key, whatever the outage did to it.
        foreach (var (key, i) in keys.Where(k => !created.ContainsKey(k.Key)))
        {
            using var retry = await World.OrderAsync(client, structure.StructureId, Order(i), key);
            created[key] = (await HttpAssert.JsonAsync(retry, HttpStatusCode.Created)).GetRawText();
        }

        var ids = created.Values.Select(body => JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(keys.Count, ids.Distinct().Count());
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(ids.Order(), (await connection.QueryAsync<Guid>("SELECT id FROM orders WHERE structure_id = @StructureId", new { structure.StructureId })).Order());
    }

    private static object Order(int i) => World.CpeOrder("AGENT", $"RELANCE{i}");

    private static async Task<Answer> AnswerAsync(string request, HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            string? type = null;
            if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
            {
                type = JsonDocument.Parse(body).RootElement.GetProperty("type").GetString();
            }

            return new Answer(request, response.StatusCode, type, response.Headers.RetryAfter?.Delta, body);
        }
    }

    private static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

    /// <summary>Waits for the condition, a bounded time: the test fails, naming it, when it does not come.</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within 60 s: {what}");
            await Task.Delay(100);
        }
    }
}
