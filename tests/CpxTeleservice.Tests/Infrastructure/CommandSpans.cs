using System.Collections.Concurrent;
using System.Diagnostics;

namespace CpxTeleservice.Tests.Infrastructure;

/// <summary>
/// The commands a request sends to PostgreSQL, counted on the request's own trace: every command Npgsql sends is a
/// span (its ActivitySource "Npgsql"), child of the server's request span, whose trace the test chooses with a
/// <c>traceparent</c> header (<see cref="SendTracedAsync"/>). A span stops when its results are read, inside the
/// request, before the response is written.
/// </summary>
public sealed class CommandSpans : IDisposable
{
    /// <summary>The service's pool; authentication's is "cpx-authentication".</summary>
    public const string ServicePool = "cpx";

    public const string AuthenticationPool = "cpx-authentication";

    private readonly ConcurrentQueue<Activity> _commands = new();
    private readonly ActivityListener _listener;

    public CommandSpans()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == "Npgsql")
                {
                    _commands.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>
    /// Sends a request (<paramref name="configure"/> adds its body and headers) on a trace of its own; returns the response
    /// and the commands of the pools named (all when none is).
    /// </summary>
    public async Task<(HttpResponseMessage Response, List<Activity> Commands)> SendTracedAsync(HttpClient client, HttpMethod method, string path,
        Action<HttpRequestMessage>? configure = null, params string[] pools)
    {
        var trace = ActivityTraceId.CreateRandom();
        // As the client's own GetAsync would send it: on its HTTP version, so on the connection its other requests use.
        using var request = new HttpRequestMessage(method, path) { Version = client.DefaultRequestVersion, VersionPolicy = client.DefaultVersionPolicy };
        request.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        configure?.Invoke(request);
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return (response, _commands.Where(c => c.TraceId == trace && (pools.Length == 0 || pools.Contains(c.GetTagItem("db.npgsql.data_source") as string))).ToList());
    }

    /// <summary>The commands' statements, for an assertion's message.</summary>
    public static string Texts(IEnumerable<Activity> commands) => string.Join("\n---\n", commands.Select(c => c.GetTagItem("db.query.text")));

    public void Dispose() => _listener.Dispose();
}
