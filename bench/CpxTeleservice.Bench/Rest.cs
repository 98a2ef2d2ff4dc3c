using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace CpxTeleservice.Bench;

public sealed record LoadResult(string Name, string Mode, double OfferedPerSecond, int Concurrency, long Ok, long Errors, double Seconds,
    double P50, double P90, double P99, double Max)
{
    public double PerSecond => Ok / Seconds;
}

/// <summary>One kind of request: a name and how to build it (a new HttpRequestMessage each time).</summary>
public sealed record Workload(string Name, Func<long, HttpRequestMessage> Build, HttpStatusCode Expected);

/// <summary>
/// The REST load generator (wrk and hey cannot present a client certificate): HttpClient over
/// HTTP/1.1 keep-alive with the card's certificate, a pool of connections, latencies recorded one by
/// one. Saturation: a fixed number of workers, each sending its next request when the last returns.
/// Offered load: an open loop at a fixed rate, each latency counted from the request's scheduled time
/// (no coordinated omission).
/// </summary>
public sealed class RestLoad(HttpClient client)
{
    private long _sequence;

    /// <summary>A client presenting <paramref name="card"/>'s certificate (none when null) to <paramref name="baseUrl"/> (the main server by default).</summary>
    public static HttpClient Client(Settings settings, string? card, int connections, string? baseUrl = null)
    {
        var certificate = card is null ? null : Tls.Load(Path.Combine(settings.Pki, "cards", card + ".crt"), Path.Combine(settings.Pki, "cards", card + ".key"));
        var handler = Tls.Handler(settings, certificate, connections);
        return new HttpClient(handler) { BaseAddress = new Uri(baseUrl ?? settings.BaseUrl), Timeout = TimeSpan.FromSeconds(60), DefaultRequestVersion = HttpVersion.Version11 };
    }

    private async Task<bool> SendAsync(Workload workload, Latencies? latencies, long startedAt)
    {
        using var request = workload.Build(Interlocked.Increment(ref _sequence));
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            latencies?.Add(Stopwatch.GetTimestamp() - startedAt);
            return response.StatusCode == workload.Expected;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    public async Task WarmAsync(Workload workload, int requests, int concurrency)
    {
        var left = requests;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Decrement(ref left) >= 0)
            {
                await SendAsync(workload, null, Stopwatch.GetTimestamp());
            }
        }));
    }

    public async Task<LoadResult> SaturateAsync(Workload workload, int concurrency, double seconds)
    {
        var latencies = new Latencies();
        long ok = 0, errors = 0;
        var end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                if (await SendAsync(workload, latencies, Stopwatch.GetTimestamp()))
                {
                    Interlocked.Increment(ref ok);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        var (p50, p90, p99, max) = latencies.Summary();
        return new LoadResult(workload.Name, "saturation", double.NaN, concurrency, ok, errors, elapsed, p50, p90, p99, max);
    }

    public Task<LoadResult> OfferAsync(Workload workload, double rate, double seconds) => OfferAsync(workload, rate, seconds, CancellationToken.None);

    /// <summary>An open loop at <paramref name="rate"/> for <paramref name="seconds"/> at most, or until <paramref name="stop"/> fires.</summary>
    public async Task<LoadResult> OfferAsync(Workload workload, double rate, double seconds, CancellationToken stop)
    {
        var latencies = new Latencies();
        long ok = 0, errors = 0;
        var total = (long)(rate * seconds);
        var interval = Stopwatch.Frequency / rate;
        var start = Stopwatch.GetTimestamp();
        var inFlight = new List<Task>((int)Math.Min(total, 1_000_000));
        for (long i = 0; i < total && !stop.IsCancellationRequested; i++)
        {
            var due = start + (long)(i * interval);
            var wait = due - Stopwatch.GetTimestamp();
            if (wait > Stopwatch.Frequency / 1000)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
            }

            inFlight.Add(Task.Run(async () =>
            {
                if (await SendAsync(workload, latencies, due))
                {
                    Interlocked.Increment(ref ok);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }));
        }

        await Task.WhenAll(inFlight);
        var elapsed = (double)(Stopwatch.GetTimestamp() - start) / Stopwatch.Frequency;
        var (p50, p90, p99, max) = latencies.Summary();
        return new LoadResult(workload.Name, "fixed rate", rate, 0, ok, errors, elapsed, p50, p90, p99, max);
    }

    /// <summary>
    /// <paramref name="requests"/> requests as fast as <paramref name="concurrency"/> workers send them, each
    /// answer's status counted, for <paramref name="maxSeconds"/> at most.
    /// </summary>
    public async Task<(Dictionary<int, long> Statuses, long Failed, double Seconds)> FloodAsync(Workload workload, int requests, int concurrency, double maxSeconds)
    {
        var statuses = new Dictionary<int, long>();
        long failed = 0;
        var left = requests;
        var end = Stopwatch.GetTimestamp() + (long)(maxSeconds * Stopwatch.Frequency);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Decrement(ref left) >= 0 && Stopwatch.GetTimestamp() < end)
            {
                using var request = workload.Build(Interlocked.Increment(ref _sequence));
                try
                {
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                    lock (statuses)
                    {
                        statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));
        return (statuses, failed, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Sequential requests on a warm connection: the latency of one request, nothing queued.</summary>
    public async Task<LoadResult> SequentialAsync(Workload workload, int requests)
    {
        var latencies = new Latencies();
        long ok = 0, errors = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < requests; i++)
        {
            if (await SendAsync(workload, latencies, Stopwatch.GetTimestamp()))
            {
                ok++;
            }
            else
            {
                errors++;
            }
        }

        var (p50, p90, p99, max) = latencies.Summary();
        return new LoadResult(workload.Name, "sequential", double.NaN, 1, ok, errors, clock.Elapsed.TotalSeconds, p50, p90, p99, max);
    }

    public static Workload Get(string name, string path, HttpStatusCode expected = HttpStatusCode.OK) =>
        new(name, _ => new HttpRequestMessage(HttpMethod.Get, path), expected);

    public static Workload CreateOrder(Guid structureId)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var body = Encoding.UTF8.GetBytes("""{"cardType":"CPE","holder":{"nom":"X","prenom":"Y"}}""");
        return new Workload("order creation", sequence =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/structures/{structureId}/orders") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add("Idempotency-Key", $"bench-{run}-{sequence}");
            return request;
        }, HttpStatusCode.Created);
    }
}
