using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using CpxTeleservice.Bench;
using Npgsql;

// The benchmark run (bench/run starts PostgreSQL and the server, then this): every workload, side by
// side with its ceiling, in one run; the figures go to BENCHMARKS.md and a summary to stdout.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var settings = Settings.FromEnvironment();
var phases = (Environment.GetEnvironmentVariable("BENCH_PHASES") is { Length: > 0 } p ? p : "intake,ack,ceiling,pgbench,rest,limits,flood,growth,handshakes").Split(',').ToHashSet();
void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

await using var sampler = new ServerSampler(settings.ServerPid, settings.UnlimitedPid, settings.OldPid);
var report = new Report(settings);

if (phases.Contains("intake"))
{
    // A short warm-up stream (its own records) on each server, so that the measured rounds do not pay the JIT.
    var warm = Math.Min(20_000, Math.Max(1000, settings.IntakeRecords / 50));
    sampler.Phase("intake warm-up");
    Log("intake: warm-up");
    await IntakeClient.RunAsync(settings, 50_000_000, warm, settings.IntakeStreams);
    if (settings.OldUrl is not null)
    {
        await IntakeClient.RunAsync(settings, settings.OldUrl, IntakeClient.Path, 50_000_000, warm, settings.IntakeStreams);
    }

    // Rounds interleaved: before/after, then after/before, ... each round its own records on each server.
    var per = settings.IntakeRecords / settings.IntakeRounds;
    for (var round = 0; round < settings.IntakeRounds; round++)
    {
        var first = (long)round * per;
        var count = round == settings.IntakeRounds - 1 ? settings.IntakeRecords - first : per;
        var sides = settings.OldUrl is null ? new[] { false } : round % 2 == 0 ? new[] { true, false } : new[] { false, true };
        foreach (var old in sides)
        {
            var name = old ? Report.IntakeBefore : Report.IntakeAfter;
            sampler.Phase(name);
            Log($"intake round {round + 1}/{settings.IntakeRounds}, {(old ? "before (" + settings.OldCommit + ")" : "after")}: {count:N0} registrations over {settings.IntakeStreams} stream(s)");
            var result = await IntakeClient.RunAsync(settings, old ? settings.OldUrl! : settings.BaseUrl, IntakeClient.Path, first, count, settings.IntakeStreams);
            sampler.Phase("between rounds");
            (old ? report.IntakeOld : report.IntakeRounds).Add(result);
            Log($"intake round {round + 1}: {result.Accepted:N0} accepted in {result.Seconds:F1} s = {result.PerSecond:N0}/s ({result.Status})");
        }
    }
}

if (phases.Contains("ack") && settings.AckMessages > 0)
{
    sampler.Phase("gRPC ack-only warm-up");
    Log("gRPC ack-only stream: warm-up");
    await IntakeClient.RunAsync(settings, settings.BaseUrl, IntakeClient.AckPath, 0, Math.Min(50_000, settings.AckMessages), 1);
    sampler.Phase(Report.AckPhase);
    Log($"gRPC ack-only stream: {settings.AckMessages:N0} messages over 1 stream");
    report.Ack = await IntakeClient.RunAsync(settings, settings.BaseUrl, IntakeClient.AckPath, 0, settings.AckMessages, 1);
    sampler.Phase("between rounds");
    Log($"gRPC ack-only stream: {report.Ack.PerSecond:N0} messages/s ({report.Ack.Status})");
}

if (phases.Contains("ceiling"))
{
    sampler.Phase("ceiling (server idle)");
    Log($"ceiling: COPY of the rows of {settings.IntakeRecords:N0} registrations");
    report.Ceiling = await Ceiling.RunAsync(settings, settings.IntakeRecords, settings.BatchSize);
    Log($"ceiling: {report.Ceiling.Rows:N0} rows in {report.Ceiling.Seconds:F1} s = {report.Ceiling.RecordsPerSecond:N0} registrations/s");
}

var parcs = new List<ParcStructure>();
if (phases.Contains("rest") || phases.Contains("growth") || phases.Contains("limits") || phases.Contains("pgbench"))
{
    sampler.Phase("load parcs (server idle)");
    var clock = System.Diagnostics.Stopwatch.StartNew();
    Log("parcs: loading 10,000 cards into the demo structure and " + string.Join(", ", settings.GrowthSizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture))));
    await Growth.LoadAsync(settings, 0, 10_000);
    for (var i = 0; i < settings.GrowthSizes.Length; i++)
    {
        parcs.Add(await Growth.LoadAsync(settings, i + 1, settings.GrowthSizes[i]));
    }

    await Growth.AnalyzeAsync(settings);
    report.ParcLoadSeconds = clock.Elapsed.TotalSeconds;
    Log($"parcs: loaded in {report.ParcLoadSeconds:F1} s");
}

if (phases.Contains("pgbench") && settings.Pgbench is not null && settings.RegistrySql is not null)
{
    sampler.Phase(Report.PgbenchPhase);
    Log($"pgbench: the registry query, prepared, {settings.RestConcurrency} clients for {settings.PgbenchSeconds:F0} s");
    report.Pgbench = await Pgbench.RunAsync(settings, settings.RestConcurrency, settings.PgbenchSeconds);
    sampler.Phase("between rounds");
    Log($"pgbench: {report.Pgbench.TransactionsPerSecond:N0} tps");
}

if (phases.Contains("rest"))
{
    // On the server with its limits lifted when there is one: one card's requests would otherwise meet
    // Limits__RequestsPerSecondPerCard (5,000/s) before the hardware; the limits phase measures what they cost.
    using var client = RestLoad.Client(settings, "legal-representative-auth", settings.RestConcurrency, settings.UnlimitedUrl);
    var load = new RestLoad(client);
    var workloads = new[]
    {
        RestLoad.Get("bare (ceiling)", "/api/v1/bench/bare"),
        RestLoad.Get("GET /me", "/api/v1/me"),
        RestLoad.Get("parc listing", Growth.ListPath(Growth.DemoStructure)),
        RestLoad.CreateOrder(Growth.DemoStructure),
    };
    // Every request warmed before any is measured, for a time rather than a count: the bare endpoint, measured
    // first, would otherwise run on code still in the JIT's instrumented tiers (perf showed 2,000 requests were
    // not enough: 11 % of the server's CPU in the JIT and most managed frames "InstrumentedTier").
    sampler.Phase("REST warm-up");
    Log("REST: warm-up of every request");
    foreach (var workload in workloads)
    {
        await load.SaturateAsync(workload, settings.RestConcurrency, 4);
    }

    foreach (var workload in workloads)
    {
        sampler.Phase("REST " + workload.Name + " warm-up");
        Log($"REST {workload.Name}: warm-up, saturation ({settings.RestConcurrency} workers), then half that rate");
        await load.WarmAsync(workload, 500, settings.RestConcurrency);
        sampler.Phase(Report.RestPhase(workload.Name));
        var saturation = await load.SaturateAsync(workload, settings.RestConcurrency, settings.RestSeconds);
        sampler.Phase("REST " + workload.Name + " at half");
        var offered = await load.OfferAsync(workload, Math.Max(1, saturation.PerSecond / 2), settings.RestSeconds);
        report.Rest.Add((saturation, offered));
        Log($"REST {workload.Name}: {saturation.PerSecond:N0}/s p50 {saturation.P50:F2} p99 {saturation.P99:F2} ms ({saturation.Errors} errors); " +
            $"at {offered.OfferedPerSecond:N0}/s p50 {offered.P50:F2} p99 {offered.P99:F2} ms ({offered.Errors} errors)");
    }
}

if (phases.Contains("limits") && settings.UnlimitedUrl is not null)
{
    // The same requests on the server with the default limits and on the one with its limits lifted, rounds interleaved.
    using var limited = RestLoad.Client(settings, "legal-representative-auth", settings.RestConcurrency);
    using var unlimited = RestLoad.Client(settings, "legal-representative-auth", settings.RestConcurrency, settings.UnlimitedUrl);
    var loads = new Dictionary<bool, RestLoad> { [true] = new(limited), [false] = new(unlimited) };
    var workloads = new[]
    {
        RestLoad.Get(Report.Unauthenticated, "/health/live"),
        RestLoad.Get("bare (ceiling)", "/api/v1/bench/bare"),
        RestLoad.Get("GET /me", "/api/v1/me"),
    };
    sampler.Phase("limits warm-up");
    Log("limits: warm-up of both servers");
    foreach (var workload in workloads)
    {
        await loads[true].WarmAsync(workload, 1000, settings.RestConcurrency);
        await loads[false].SaturateAsync(workload, settings.RestConcurrency, 4);
    }

    var seconds = Math.Max(1, settings.RestSeconds / 2);
    for (var round = 0; round < 2; round++)
    {
        foreach (var on in round % 2 == 0 ? new[] { true, false } : new[] { false, true })
        {
            foreach (var workload in workloads)
            {
                // On the limited server, /health/live from one address is held to Limits__RequestsPerSecondPerAddress: its 429s count as errors.
                sampler.Phase(Report.LimitsPhase(workload.Name, on));
                var result = await loads[on].SaturateAsync(workload, settings.RestConcurrency, seconds);
                sampler.Phase("between rounds");
                report.Limits.Add((on, result));
                Log($"limits {(on ? "on" : "lifted")}, {workload.Name}: {result.PerSecond:N0}/s p99 {result.P99:F2} ms ({result.Errors} errors)");
            }
        }
    }
}

if (phases.Contains("flood"))
{
    // An authenticated caller at a fixed rate, alone, then during an anonymous flood (no certificate) on the limited server.
    using var card = RestLoad.Client(settings, "legal-representative-auth", settings.RestConcurrency);
    using var anonymous = RestLoad.Client(settings, null, 64);
    var probe = new RestLoad(card);
    var flood = new RestLoad(anonymous);
    var me = RestLoad.Get("GET /me", "/api/v1/me");
    await probe.WarmAsync(me, 1000, settings.RestConcurrency);
    var audit = await Report.AuditRowsAsync(settings);
    sampler.Phase("flood: probe alone");
    Log($"flood: GET /me at {settings.FloodProbeRate:N0}/s alone");
    report.ProbeAlone = await probe.OfferAsync(me, settings.FloodProbeRate, Math.Min(10, settings.FloodMaxSeconds));
    report.AuditRowsAlone = await Report.AuditRowsAsync(settings) - audit;

    audit = await Report.AuditRowsAsync(settings);
    sampler.Phase("flood: probe during the flood");
    Log($"flood: {settings.FloodRequests:N0} requests without a certificate, GET /me at {settings.FloodProbeRate:N0}/s meanwhile");
    using var done = new CancellationTokenSource();
    var probing = probe.OfferAsync(me, settings.FloodProbeRate, settings.FloodMaxSeconds, done.Token);
    report.Flood = await flood.FloodAsync(me, settings.FloodRequests, 64, settings.FloodMaxSeconds);
    await done.CancelAsync();
    report.ProbeFlood = await probing;
    sampler.Phase("between rounds");
    // The refusals' audit is written as they come: wait for a window's rows before counting.
    await Task.Delay(1000);
    report.AuditRowsFlood = await Report.AuditRowsAsync(settings) - audit;
    Log($"flood: {settings.FloodRequests:N0} in {report.Flood.Value.Seconds:F1} s ({string.Join(", ", report.Flood.Value.Statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value:N0}"))}); " +
        $"probe p99 {report.ProbeAlone.P99:F2} ms alone, {report.ProbeFlood.P99:F2} ms during; audit rows {report.AuditRowsFlood:N0}");
}

if (phases.Contains("growth"))
{
    using var client = RestLoad.Client(settings, "legal-representative-auth", 1);
    foreach (var parc in parcs)
    {
        sampler.Phase($"growth {parc.Cards:N0}");
        Log($"growth: {parc.Cards:N0} cards");
        var result = await Growth.MeasureAsync(client, parc, 200);
        report.Growth.Add(result);
        Log($"growth {parc.Cards:N0}: first p50 {result.First.P50:F2} ms, deep p50 {result.Deep.P50:F2} ms, export {result.Export.RowsPerSecond:N0} rows/s {result.Export.MegabytesPerSecond:F1} MB/s");
    }
}

if (phases.Contains("handshakes"))
{
    // On the server with its limits lifted: every new connection is a request without an authenticated card,
    // which the default limits hold to Limits__RequestsPerSecondPerAddress from one address.
    var target = settings.UnlimitedUrl ?? settings.BaseUrl;
    sampler.Phase("handshakes");
    Log($"handshakes: {settings.HandshakeConcurrency} clients for {settings.HandshakeSeconds} s on {target}");
    report.Handshakes = await Handshakes.RunAsync(settings, target, settings.HandshakeConcurrency, settings.HandshakeSeconds);
    Log($"handshakes: {report.Handshakes.PerSecond:N0}/s ({report.Handshakes.Errors} errors, {report.Handshakes.Protocol})");
}

sampler.Phase("end");
report.Sampler = sampler;
report.HwmKb = sampler.Status("VmHWM:");
await using (var connection = new NpgsqlConnection(settings.ConnectionString(settings.Database)))
{
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand("SELECT current_setting('server_version')", connection);
    report.PostgresVersion = (string)(await command.ExecuteScalarAsync())!;
}

var (markdown, summary) = report.Render();
await File.WriteAllTextAsync(settings.Output, markdown);
Console.WriteLine(summary);
Log($"written to {settings.Output}");

/// <summary>The figures of one run, rendered as BENCHMARKS.md and a summary table.</summary>
internal sealed class Report(Settings settings)
{
    public const string IntakeBefore = "intake before";
    public const string IntakeAfter = "intake after";
    public const string AckPhase = "gRPC ack-only stream";
    public const string PgbenchPhase = "pgbench registry query";
    public const string Unauthenticated = "/health/live (unauthenticated)";

    public static string RestPhase(string name) => "REST " + name;

    public static string LimitsPhase(string name, bool on) => $"limits {(on ? "on" : "lifted")}: {name}";

    public List<IntakeResult> IntakeRounds { get; } = [];
    public List<IntakeResult> IntakeOld { get; } = [];
    public IntakeResult? Ack { get; set; }
    public CeilingResult? Ceiling { get; set; }
    public PgbenchResult? Pgbench { get; set; }
    public double ParcLoadSeconds { get; set; }
    public List<(LoadResult Saturation, LoadResult Offered)> Rest { get; } = [];
    public List<(bool LimitsOn, LoadResult Result)> Limits { get; } = [];
    public LoadResult? ProbeAlone { get; set; }
    public LoadResult? ProbeFlood { get; set; }
    public (Dictionary<int, long> Statuses, long Failed, double Seconds)? Flood { get; set; }
    public long AuditRowsAlone { get; set; }
    public long AuditRowsFlood { get; set; }
    public List<GrowthResult> Growth { get; } = [];
    public HandshakeResult? Handshakes { get; set; }
    public ServerSampler? Sampler { get; set; }

    /// <summary>The server the REST phase loads: the one with its limits lifted, when it runs.</summary>
    private int RestServer => settings.UnlimitedUrl is null ? ServerSampler.Server : ServerSampler.Unlimited;

    private string RestLimits => settings.UnlimitedUrl is null ? "default limits" : "limits lifted";
    public long HwmKb { get; set; }
    public string PostgresVersion { get; set; } = "";

    public static async Task<long> AuditRowsAsync(Settings settings)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString(settings.Database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM audit_events", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Rounds summed: records acked over the seconds of every round.</summary>
    private static (long Accepted, double Seconds, double PerSecond) Sum(List<IntakeResult> rounds) =>
        (rounds.Sum(r => r.Accepted), rounds.Sum(r => r.Seconds), rounds.Sum(r => r.Accepted) / rounds.Sum(r => r.Seconds));

    private static string Machine(string key)
    {
        try
        {
            return key switch
            {
                "cpu" => File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown",
                "memory" => (long.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " GiB",
                "kernel" => File.ReadAllText("/proc/sys/kernel/osrelease").Trim(),
                "load" => File.ReadAllText("/proc/loadavg").Trim(),
                _ => "",
            };
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string Env(string name) => Environment.GetEnvironmentVariable(name) ?? "";

    private double Us(string phase, int process, double units) => Sampler?.MicrosecondsPer(phase, process, units) ?? double.NaN;

    /// <summary>Where the CPU went in a phase, in % of one core: what bounds a figure when a target is missed.</summary>
    private string Split(string phase, int server = ServerSampler.Server)
    {
        if (Sampler is null || !Sampler.CpuPercent.TryGetValue(phase, out var c))
        {
            return "";
        }

        var rest = Math.Max(0, c[ServerSampler.Machine] - c[ServerSampler.Server] - c[ServerSampler.Postgres] - c[ServerSampler.Client]
            - c[ServerSampler.Unlimited] - c[ServerSampler.Old]);
        return $"server {c[server]:0} %, PostgreSQL {c[ServerSampler.Postgres]:0} %, client {c[ServerSampler.Client]:0} %, rest of machine {rest:0} % (of one core; 200 % is the machine)";
    }

    public (string Markdown, string Summary) Render()
    {
        var md = new StringBuilder();
        var summary = new StringBuilder();
        LoadResult? Saturation(string name) => Rest.FirstOrDefault(r => r.Saturation.Name == name).Saturation;
        LoadResult? Offered(string name) => Rest.FirstOrDefault(r => r.Saturation.Name == name).Offered;
        var bare = Saturation("bare (ceiling)");
        var me = Saturation("GET /me");
        var listing = Saturation("parc listing");
        var orders = Saturation("order creation");
        double LimitsRate(string name, bool on)
        {
            var runs = Limits.Where(l => l.LimitsOn == on && l.Result.Name == name).Select(l => l.Result).ToList();
            return runs.Count == 0 ? double.NaN : runs.Sum(r => r.Ok) / runs.Sum(r => r.Seconds);
        }

        long LimitsErrors(string name, bool on) => Limits.Where(l => l.LimitsOn == on && l.Result.Name == name).Sum(l => l.Result.Errors);
        var unauthenticated = LimitsRate(Unauthenticated, on: false);
        var bareLifted = LimitsRate("bare (ceiling)", on: false);
        var peakRss = Sampler is null || Sampler.PeakRssKb.Count == 0 ? 0 : Sampler.PeakRssKb.Values.Max() / 1024.0;
        var after = IntakeRounds.Count > 0 ? Sum(IntakeRounds) : default;
        var before = IntakeOld.Count > 0 ? Sum(IntakeOld) : default;
        GrowthResult? Parc(int cards) => Growth.FirstOrDefault(g => g.Cards == cards);
        double Ratio(LoadResult? a, LoadResult? b) => a is null || b is null ? double.NaN : a.PerSecond / b.PerSecond;
        string Basis(LoadResult? a, LoadResult? b) => a is null || b is null ? "not run" : $"{Format.N(a.PerSecond)} ÷ {Format.N(b.PerSecond)} req/s";

        // ----------------------------------------------------------- summary: exactly these rows, in this order
        var rows = new List<(string Measure, string Figure, string Basis, string Target, bool? Met, string Bound)>
        {
            ("bare authenticated ÷ unauthenticated", Format.Pct(bareLifted / unauthenticated),
                double.IsNaN(unauthenticated) ? "not run" : $"{Format.N(bareLifted)} ÷ {Format.N(unauthenticated)} req/s, both on the server with its limits lifted",
                "≥ 40 %", double.IsNaN(unauthenticated) ? null : bareLifted / unauthenticated >= 0.4, Split(LimitsPhase("bare (ceiling)", false), ServerSampler.Unlimited)),
            ("GET /me ÷ bare", Format.Pct(Ratio(me, bare)), Basis(me, bare), "≥ 70 %", me is null || bare is null ? null : Ratio(me, bare) >= 0.7, Split(RestPhase("GET /me"), RestServer)),
            ("parc listing ÷ bare", Format.Pct(Ratio(listing, bare)),
                Basis(listing, bare) + (Offered("parc listing") is { } half ? $"; p99 {Format.Ms(half.P99)} ms at {Format.N(half.OfferedPerSecond)}/s (half)" : ""),
                "≥ 50 %, p99 ≤ 10 ms at half", listing is null || bare is null ? null : Ratio(listing, bare) >= 0.5 && Offered("parc listing")!.P99 <= 10, Split(RestPhase("parc listing"), RestServer)),
            ("order creation ÷ bare", Format.Pct(Ratio(orders, bare)), Basis(orders, bare), "≥ 25 %", orders is null || bare is null ? null : Ratio(orders, bare) >= 0.25, Split(RestPhase("order creation"), RestServer)),
            ("intake ÷ COPY ceiling", IntakeRounds.Count == 0 || Ceiling is null ? "n/a" : Format.Pct(after.PerSecond / Ceiling.RecordsPerSecond),
                IntakeRounds.Count == 0 || Ceiling is null ? "not run" : $"{Format.N(after.PerSecond)} ÷ {Format.N(Ceiling.RecordsPerSecond)} registrations/s ({after.Accepted:N0} registrations)",
                "≥ 60 %", IntakeRounds.Count == 0 || Ceiling is null ? null : after.PerSecond / Ceiling.RecordsPerSecond >= 0.6, Split(IntakeAfter)),
            ("CSV export rows/s (1,000 cards)", Parc(1000) is { } small ? Format.N(small.Export.RowsPerSecond) : "n/a",
                Parc(1000) is { } s1 ? $"{s1.Export.Rows:N0} rows in {s1.Export.Seconds:F3} s, {s1.Export.MegabytesPerSecond:0.0} MB/s" : "not run", "≥ 250 000",
                Parc(1000) is { } s2 ? s2.Export.RowsPerSecond >= 250_000 : null, Split("growth 1,000")),
            ("CSV export rows/s (1,000,000 cards)", Parc(1_000_000) is { } large ? Format.N(large.Export.RowsPerSecond) : "n/a",
                Parc(1_000_000) is { } l1 ? $"{l1.Export.Rows:N0} rows in {l1.Export.Seconds:F2} s, {l1.Export.MegabytesPerSecond:0.0} MB/s" : "not run (BENCH_GROWTH_SIZES)", "≥ 250 000",
                Parc(1_000_000) is { } l2 ? l2.Export.RowsPerSecond >= 250_000 : null, Split("growth 1,000,000")),
            ("new mTLS connections/s", Handshakes is null ? "n/a" : Format.N(Handshakes.PerSecond),
                Handshakes is null ? "not run" : $"{Handshakes.Connections:N0} connections, {Handshakes.Concurrency} clients, {Handshakes.Protocol}, {Handshakes.Errors} errors", "", null, ""),
            ("peak RSS MB", Format.N(peakRss), "the server with the default limits, VmRSS every 100 ms over the whole run", "≤ 250", peakRss <= 250, ""),
        };

        summary.AppendLine("| measure | figure | basis | target | verdict |");
        summary.AppendLine("|---|---|---|---|---|");
        foreach (var r in rows)
        {
            summary.AppendLine($"| {r.Measure} | {r.Figure} | {r.Basis} | {r.Target} | {(r.Met is null ? "" : r.Met.Value ? "met" : "**missed**")} |");
        }

        // ----------------------------------------------------------- document
        md.AppendLine("# Benchmarks");
        md.AppendLine();
        md.AppendLine("How close to this machine's own ceilings CpxTeleservice runs, measured side by side in one run of");
        md.AppendLine($"`{settings.Command}`. The figures below are those of the last run; `bench/findings.md` (copied at the end)");
        md.AppendLine("holds the profile findings. Re-run the command to regenerate this file.");
        md.AppendLine();
        md.AppendLine("## Summary");
        md.AppendLine();
        md.Append(summary);
        md.AppendLine();
        md.AppendLine("Targets: REST ratios, CSV exports and peak RSS as set for \"REST at the pace of the hardware\"; the intake's 60 % as set for the");
        md.AppendLine("move to Grpc.AspNetCore. Every ratio is two figures of this same run.");
        var missed = rows.Where(r => r.Met == false).ToList();
        if (missed.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("**What bounds each missed target** (CPU during the measured phase, from /proc; the profiles are in the findings below):");
            md.AppendLine();
            foreach (var r in missed)
            {
                md.AppendLine($"- `{r.Measure}` ({r.Figure}, target {r.Target}): {(r.Bound.Length > 0 ? r.Bound : "no CPU split for this figure")}.");
            }
        }

        md.AppendLine();
        md.AppendLine("### Ceilings and cost per request");
        md.AppendLine();
        md.AppendLine("Saturation throughput ({0} workers, keep-alive mutual TLS) and CPU time per request over the saturation phase: the server's".Replace("{0}", settings.RestConcurrency.ToString(CultureInfo.InvariantCulture)));
        md.AppendLine("(utime + stime of its process) and PostgreSQL's (every process of its cluster), divided by the requests answered.");
        md.AppendLine();
        md.AppendLine("| request | server | req/s | server µs/req | PostgreSQL µs/req |");
        md.AppendLine("|---|---|---|---|---|");
        {
            var liftedHealth = Limits.Where(l => !l.LimitsOn && l.Result.Name == Unauthenticated).Select(l => l.Result).ToList();
            if (liftedHealth.Count > 0)
            {
                var n = liftedHealth.Sum(r => r.Ok + r.Errors);
                md.AppendLine($"| `/health/live` (no card, no database) | limits lifted | {Format.N(unauthenticated)} | {Format.N(Us(LimitsPhase(Unauthenticated, false), ServerSampler.Unlimited, n), 1)} | {Format.N(Us(LimitsPhase(Unauthenticated, false), ServerSampler.Postgres, n), 1)} |");
            }

            var liftedBare = Limits.Where(l => !l.LimitsOn && l.Result.Name == "bare (ceiling)").Select(l => l.Result).ToList();
            if (liftedBare.Count > 0)
            {
                var n = liftedBare.Sum(r => r.Ok + r.Errors);
                md.AppendLine($"| bare authenticated (`/api/v1/bench/bare`) | limits lifted | {Format.N(bareLifted)} | {Format.N(Us(LimitsPhase("bare (ceiling)", false), ServerSampler.Unlimited, n), 1)} | {Format.N(Us(LimitsPhase("bare (ceiling)", false), ServerSampler.Postgres, n), 1)} |");
            }

            foreach (var (saturation, _) in Rest)
            {
                var n = saturation.Ok + saturation.Errors;
                md.AppendLine($"| {saturation.Name} | {RestLimits} | {Format.N(saturation.PerSecond)} | {Format.N(Us(RestPhase(saturation.Name), RestServer, n), 1)} | {Format.N(Us(RestPhase(saturation.Name), ServerSampler.Postgres, n), 1)} |");
            }

            if (Pgbench is not null)
            {
                md.AppendLine($"| PostgreSQL alone, the registry query, prepared (pgbench) | — | {Format.N(Pgbench.TransactionsPerSecond)} | | {Format.N(Us(PgbenchPhase, ServerSampler.Postgres, Pgbench.Transactions), 1)} |");
            }
        }

        md.AppendLine();
        if (Pgbench is not null)
        {
            md.AppendLine($"pgbench: `{Pgbench.Command}` (bench/registry.sql is the registry read of api/Security/CardAuthenticationHandler.cs; the serial is the card the");
            md.AppendLine($"REST load presents): {Pgbench.Transactions:N0} queries in {Pgbench.Seconds:F0} s, average latency {Format.Ms(Pgbench.LatencyMs)} ms, pgbench's own CPU not counted as PostgreSQL's.");
            md.AppendLine();
        }

        md.AppendLine("## Machine and run");
        md.AppendLine();
        md.AppendLine("| | |");
        md.AppendLine("|---|---|");
        md.AppendLine($"| date | {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC |");
        md.AppendLine($"| CPU | {Machine("cpu")}, nproc {Environment.ProcessorCount} |");
        md.AppendLine($"| memory | {Machine("memory")} |");
        md.AppendLine($"| kernel | Linux {Machine("kernel")} |");
        md.AppendLine($"| PostgreSQL | {PostgresVersion} ({Env("BENCH_PG_SETTINGS")}) |");
        md.AppendLine($"| .NET | {RuntimeInformation.FrameworkDescription} (SDK {Env("BENCH_DOTNET_SDK")}) |");
        md.AppendLine($"| commit | {Env("BENCH_COMMIT")} |");
        md.AppendLine($"| command | `{settings.Command}` with BENCH_INTAKE_RECORDS={settings.IntakeRecords}, BENCH_INTAKE_ROUNDS={settings.IntakeRounds}, BENCH_GROWTH_SIZES={string.Join(",", settings.GrowthSizes)}, BENCH_REST_SECONDS={settings.RestSeconds}, BENCH_ACK_MESSAGES={settings.AckMessages} |");
        md.AppendLine($"| server | `{Env("BENCH_SERVER_COMMAND")}`, Release, with ./dev's service_env and `{Env("BENCH_SERVER_EXTRA_ENV")}` |");
        if (settings.UnlimitedUrl is not null)
        {
            md.AppendLine($"| server, limits lifted | the same binary, database and settings, plus `{settings.UnlimitedEnv}` |");
        }

        if (settings.OldUrl is not null)
        {
            md.AppendLine($"| server, intake before | commit {settings.OldCommit} (the home-made gRPC layer) built in Release in a temporary git worktree, started from its binary's folder with that commit's own ./dev service_env and the same extra settings, on its own database `cpx_old` |");
        }

        md.AppendLine($"| load average at the end | {Machine("load")} (the machine is shared: other engineers' builds and tests may run) |");
        md.AppendLine();
        md.AppendLine("Client, servers and PostgreSQL share the same cores: every figure is \"this machine, all of them on it\". Only one server is");
        md.AppendLine("loaded at a time; the others sit idle. wrk and hey cannot present a client certificate, so the REST load generator is our own");
        md.AppendLine("C# client (`bench/CpxTeleservice.Bench/Rest.cs`: HttpClient, HTTP/1.1 keep-alive, mutual TLS).");
        md.AppendLine();

        if (IntakeRounds.Count > 0)
        {
            var sample = IntakeRounds[0];
            md.AppendLine("## 1. Intake throughput, before and after the move to Grpc.AspNetCore");
            md.AppendLine();
            md.AppendLine($"{settings.IntakeRecords:N0} registrations per server (inscriptions, distinct Luhn-valid RPPS numbers, profession 60, distinct record ids), streamed by");
            md.AppendLine($"`OrdreIntake.StreamRegistrations` over {sample.Streams} concurrent HTTP/2 stream(s) (multiplexed by HttpClient on one connection), from a C# client on HttpClient");
            md.AppendLine("(SocketsHttpHandler, the Ordre's organisation certificate, gRPC framing by hand, request streamed while the acks are read,");
            md.AppendLine("status from the trailers). The clock runs from the first record sent to the last ack received: every record is committed");
            md.AppendLine($"and acked end to end. `Intake__BatchSize={settings.BatchSize}`. {settings.IntakeRounds} round(s) of {settings.IntakeRecords / settings.IntakeRounds:N0} records per server,");
            md.AppendLine(IntakeOld.Count > 0 ? "interleaved (before then after, then after then before, ...); each server writes its own database on the same PostgreSQL."
                : "on the current server only (no \"before\" server in this run).");
            md.AppendLine();
            md.AppendLine(IntakeOld.Count > 0 ? $"| | before ({settings.OldCommit}, home-made gRPC layer) | after ({Env("BENCH_COMMIT")}, Grpc.AspNetCore) |" : "| | current code |");
            md.AppendLine(IntakeOld.Count > 0 ? "|---|---|---|" : "|---|---|");
            string Row(string what, Func<List<IntakeResult>, (long Accepted, double Seconds, double PerSecond), string, string> cell)
            {
                var line = $"| {what} |";
                if (IntakeOld.Count > 0)
                {
                    line += $" {cell(IntakeOld, before, IntakeBefore)} |";
                }

                return line + $" {cell(IntakeRounds, after, IntakeAfter)} |";
            }

            var ceiling = Ceiling?.RecordsPerSecond ?? double.NaN;
            md.AppendLine(Row("acked ACCEPTED", (r, _, _) => $"{r.Sum(x => x.Accepted):N0} (orders: {r.Sum(x => x.OrdersCreated):N0}; other acks: {r.Sum(x => x.Other):N0})"));
            md.AppendLine(Row("final status", (r, _, _) => string.Join(", ", r.Select(x => x.Status).Distinct())));
            md.AppendLine(Row("rounds, records/s", (r, _, _) => string.Join(" / ", r.Select(x => Format.N(x.PerSecond)))));
            md.AppendLine(Row("**throughput** (records/s, all rounds)", (_, t, _) => $"**{Format.N(t.PerSecond)}** in {t.Seconds:F1} s"));
            md.AppendLine(Row("**÷ COPY ceiling**", (_, t, _) => $"**{Format.Pct(t.PerSecond / ceiling)}** of {Format.N(ceiling)}"));
            md.AppendLine(Row("server CPU per record", (_, t, phase) => $"{Format.N(Us(phase, phase == IntakeBefore ? ServerSampler.Old : ServerSampler.Server, t.Accepted), 1)} µs"));
            md.AppendLine(Row("PostgreSQL CPU per record", (_, t, phase) => $"{Format.N(Us(phase, ServerSampler.Postgres, t.Accepted), 1)} µs"));
            md.AppendLine(Row("CPU during the rounds", (_, _, phase) => Split(phase, phase == IntakeBefore ? ServerSampler.Old : ServerSampler.Server)));
            md.AppendLine();
        }

        if (Ack is not null)
        {
            md.AppendLine("### The gRPC stack alone: an ack-only stream");
            md.AppendLine();
            md.AppendLine($"`cpx.bench.v1.BenchAck/Ack` (api/Bench/bench.proto, mapped only with `Bench__BareEndpoint=true`): a Grpc.AspNetCore duplex stream whose");
            md.AppendLine("handler reads each `ProfessionalRegistration` and writes one `RegistrationAck` (record id, ACCEPTED): no authentication, no batching,");
            md.AppendLine($"no database. {Ack.Records:N0} messages over one stream, the same client and framing as the intake (large writes; the server flushes each ack).");
            md.AppendLine();
            md.AppendLine("| messages | seconds | messages/s | server CPU per message | client CPU per message |");
            md.AppendLine("|---|---|---|---|---|");
            md.AppendLine($"| {Ack.Accepted:N0} ({Ack.Status}) | {Ack.Seconds:F1} | {Format.N(Ack.PerSecond)} | {Format.N(Us(AckPhase, ServerSampler.Server, Ack.Accepted), 2)} µs | {Format.N(Us(AckPhase, ServerSampler.Client, Ack.Accepted), 2)} µs |");
            md.AppendLine();
        }

        if (Ceiling is not null)
        {
            md.AppendLine("### The ceiling: binary COPY of the same rows");
            md.AppendLine();
            md.AppendLine("The rows the intake writes for the same records, loaded by Npgsql binary COPY into a fresh database `cpx_ceiling` migrated");
            md.AppendLine("with `CpxTeleservice.Api.dll migrate` (same tables, constraints, indexes, triggers): persons → professionals → orders →");
            md.AppendLine("order_events on one connection (foreign keys), intake_records and one audit line per batch on a second one at the same time.");
            md.AppendLine();
            md.AppendLine("| table | rows | seconds | rows/s |");
            md.AppendLine("|---|---|---|---|");
            foreach (var (table, count, seconds) in Ceiling.Tables)
            {
                md.AppendLine($"| {table} | {count:N0} | {seconds:F1} | {Format.N(count / seconds)} |");
            }

            md.AppendLine($"| **all (wall clock)** | {Ceiling.Rows:N0} | {Ceiling.Seconds:F1} | {Format.N(Ceiling.Rows / Ceiling.Seconds)} = **{Format.N(Ceiling.RecordsPerSecond)} registrations/s** |");
            md.AppendLine();
        }

        if (Rest.Count > 0)
        {
            md.AppendLine("## 2. REST");
            md.AppendLine();
            md.AppendLine($"The demo legal representative's card (CDE) over mutual TLS, HTTP/1.1 keep-alive, {settings.RestConcurrency} pooled connections, on the server with");
            md.AppendLine($"{(settings.UnlimitedUrl is null ? "the default limits" : "its limits lifted (one card would meet its 5,000 requests/s otherwise; section 3 compares)")}. Each request is warmed for 4 s first. Saturation: {settings.RestConcurrency} workers for {settings.RestSeconds} s, each sending its next request as the last returns.");
            md.AppendLine($"Fixed rate: an open loop at half the saturation throughput of that same request for {settings.RestSeconds} s, latency counted");
            md.AppendLine("from each request's scheduled time. Percentiles are exact, from every recorded sample. An error is any answer but the expected status.");
            md.AppendLine();
            md.AppendLine("- **bare (ceiling)**: `GET /api/v1/bench/bare`, mapped only with `Bench__BareEndpoint=true` (excluded from openapi.yaml):");
            md.AppendLine("  the same card authentication as every route (chain check cached per connection, the registry read on every request), nothing else.");
            md.AppendLine("- `GET /api/v1/me`: authentication and one small query.");
            md.AppendLine("- **parc listing**: `GET /api/v1/structures/00000000-0000-4000-8000-000000000001/cards?type=CPE&limit=50`, the demo structure given");
            md.AppendLine("  10,000 cards by COPY (30 % CPE): a full page of 50.");
            md.AppendLine("- **order creation**: `POST /api/v1/structures/00000000-0000-4000-8000-000000000001/orders`, `{\"cardType\":\"CPE\",\"holder\":{\"nom\":\"X\",\"prenom\":\"Y\"}}`,");
            md.AppendLine("  a unique Idempotency-Key each (201 expected).");
            md.AppendLine();
            md.AppendLine("| request | mode | req/s | ÷ bare | p50 ms | p90 ms | p99 ms | max ms | errors |");
            md.AppendLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var (saturation, offered) in Rest)
            {
                foreach (var r in new[] { saturation, offered })
                {
                    var mode = r.Mode == "saturation" ? $"saturation ({r.Concurrency} workers)" : $"fixed {Format.N(r.OfferedPerSecond)}/s";
                    var ratio = bare is null ? "" : Format.Pct(r.PerSecond / bare.PerSecond);
                    md.AppendLine($"| {r.Name} | {mode} | {Format.N(r.PerSecond)} | {ratio} | {Format.Ms(r.P50)} | {Format.Ms(r.P90)} | {Format.Ms(r.P99)} | {Format.Ms(r.Max)} | {r.Errors} |");
                }
            }

            md.AppendLine();
        }

        if (Limits.Count > 0)
        {
            md.AppendLine("### With and without the limits");
            md.AppendLine();
            md.AppendLine("The same requests at saturation on the server with the default limits (`Limits__*` unset) and on a second process of the same");
            md.AppendLine($"binary, database and settings with its limits lifted (`{settings.UnlimitedEnv}`), two rounds each, interleaved, {Math.Max(1, settings.RestSeconds / 2)} s per run.");
            md.AppendLine("From one client address, `/health/live` (a request without an authenticated card) is held to `Limits__RequestsPerSecondPerAddress`");
            md.AppendLine("by design: its 429 answers are counted as errors; the unauthenticated ceiling is the lifted server's figure.");
            md.AppendLine();
            md.AppendLine("| request | limits on, req/s | errors (429) | limits lifted, req/s | errors | on ÷ lifted | server µs/req, on / lifted |");
            md.AppendLine("|---|---|---|---|---|---|---|");
            foreach (var name in Limits.Select(l => l.Result.Name).Distinct())
            {
                var on = LimitsRate(name, true);
                var off = LimitsRate(name, false);
                var nOn = Limits.Where(l => l.LimitsOn && l.Result.Name == name).Sum(l => l.Result.Ok + l.Result.Errors);
                var nOff = Limits.Where(l => !l.LimitsOn && l.Result.Name == name).Sum(l => l.Result.Ok + l.Result.Errors);
                md.AppendLine($"| {name} | {Format.N(on)} | {LimitsErrors(name, true):N0} | {Format.N(off)} | {LimitsErrors(name, false):N0} | {Format.Pct(on / off)} | " +
                    $"{Format.N(Us(LimitsPhase(name, true), ServerSampler.Server, nOn), 1)} / {Format.N(Us(LimitsPhase(name, false), ServerSampler.Unlimited, nOff), 1)} |");
            }

            md.AppendLine();
        }

        if (Flood is { } flood && ProbeAlone is not null && ProbeFlood is not null)
        {
            md.AppendLine("### An anonymous flood");
            md.AppendLine();
            md.AppendLine($"{settings.FloodRequests:N0} requests without a client certificate (`GET /api/v1/me`, 64 workers over HTTP/1.1 keep-alive on loopback, at most");
            md.AppendLine($"{settings.FloodMaxSeconds:F0} s) to the server with the default limits, while the demo card calls `GET /api/v1/me` at a fixed {Format.N(settings.FloodProbeRate)}/s; the same");
            md.AppendLine("card at the same rate without the flood just before. Audit rows: rows added to `audit_events` during each run.");
            md.AppendLine();
            md.AppendLine("| | requests | seconds | answers | authenticated p50 / p99 / max ms | audit rows added |");
            md.AppendLine("|---|---|---|---|---|---|");
            md.AppendLine($"| without the flood | {ProbeAlone.Ok + ProbeAlone.Errors:N0} (card) | {ProbeAlone.Seconds:F1} | {ProbeAlone.Ok:N0} OK, {ProbeAlone.Errors} errors | {Format.Ms(ProbeAlone.P50)} / {Format.Ms(ProbeAlone.P99)} / {Format.Ms(ProbeAlone.Max)} | {AuditRowsAlone:N0} |");
            var answers = string.Join(", ", flood.Statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Value:N0} × {kv.Key}")) + (flood.Failed > 0 ? $", {flood.Failed:N0} failed" : "");
            md.AppendLine($"| during the flood | {flood.Statuses.Values.Sum() + flood.Failed:N0} anonymous ({Format.N((flood.Statuses.Values.Sum() + flood.Failed) / flood.Seconds)}/s) + {ProbeFlood.Ok + ProbeFlood.Errors:N0} (card) | {flood.Seconds:F1} | {answers}; card: {ProbeFlood.Ok:N0} OK, {ProbeFlood.Errors} errors | " +
                $"{Format.Ms(ProbeFlood.P50)} / {Format.Ms(ProbeFlood.P99)} / {Format.Ms(ProbeFlood.Max)} | {AuditRowsFlood:N0} |");
            md.AppendLine();
            md.AppendLine($"Target: the authenticated p99 during the flood ≤ 100 ms: **{(ProbeFlood.P99 <= 100 ? "met" : "missed")}** ({Format.Ms(ProbeFlood.P99)} ms); the audit rows bounded (one row per source and reason");
            md.AppendLine("beyond `Limits__RefusalAuditRowsPerWindow` per window, README \"Refusals\").");
            md.AppendLine();
        }

        if (Growth.Count > 0)
        {
            md.AppendLine("## 3. Growth of the parc");
            md.AppendLine();
            md.AppendLine($"Structures created by SQL with an active contract and the demo legal representative, their holders and cards loaded by COPY");
            md.AppendLine($"({ParcLoadSeconds:F0} s for all of them, VACUUM ANALYZE included). Listing as above (`type=CPE&limit=50`), 200 sequential requests each");
            md.AppendLine("on a warm connection. The deep page's cursor is reconstructed (base64url of the big-endian UUID) for the card 500 positions");
            md.AppendLine("before the end. The export is `Accept: text/csv` of the whole parc (the best run: one at 1,000,000 cards, three at 100,000, and for smaller parcs as many as fit in 3 s, at least five).");
            md.AppendLine();
            md.AppendLine("| cards | first page p50 / p99 ms | deep page p50 / p99 ms | deep ÷ first (p50) | export rows | export s | rows/s | MB/s |");
            md.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var g in Growth)
            {
                md.AppendLine($"| {g.Cards:N0} | {Format.Ms(g.First.P50)} / {Format.Ms(g.First.P99)} | {Format.Ms(g.Deep.P50)} / {Format.Ms(g.Deep.P99)} | {g.Deep.P50 / g.First.P50:0.00} | " +
                    $"{g.Export.Rows:N0} | {g.Export.Seconds:F2} | {Format.N(g.Export.RowsPerSecond)} | {g.Export.MegabytesPerSecond:0.0} |");
            }

            md.AppendLine();
        }

        md.AppendLine("## 4. Memory and handshakes");
        md.AppendLine();
        if (Handshakes is not null)
        {
            md.AppendLine($"New mutual-TLS connections: {Handshakes.Concurrency} concurrent C# clients for {settings.HandshakeSeconds} s, each connection a new TCP");
            md.AppendLine($"connection and a full {Handshakes.Protocol} handshake presenting the CDE certificate (SslStream), then `GET /health/live` (HTTP/1.1,");
            md.AppendLine($"Connection: close), on the server with its limits lifted (from one address, the default limits would hold `/health/live` to");
            md.AppendLine($"`Limits__RequestsPerSecondPerAddress`). **{Format.N(Handshakes.PerSecond)} connections/s** ({Handshakes.Connections:N0}, {Handshakes.Errors} errors; per connection p50 {Format.Ms(Handshakes.P50)} ms, p99 {Format.Ms(Handshakes.P99)} ms).");
            md.AppendLine();
        }

        md.AppendLine("The server's resident memory (the one with the default limits), VmRSS sampled every 100 ms from /proc/<pid>/status (peak per");
        md.AppendLine("phase), and where the CPU went in each phase (utime + stime from /proc, in % of one core: 200 % is the whole machine): the");
        md.AppendLine("servers, PostgreSQL (every process of its cluster), this benchmark client, and the rest of the machine (other engineers' builds");
        md.AppendLine("and tests; kernel work not charged to a process). A phase run in several rounds is summed over them.");
        md.AppendLine();
        md.AppendLine("| phase | seconds | peak RSS MB | server CPU | server (limits lifted) CPU | server (before) CPU | PostgreSQL CPU | client CPU | rest of machine |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        if (Sampler is not null)
        {
            var cpuPercent = Sampler.CpuPercent;
            foreach (var (phase, kb) in Sampler.PeakRssKb.Where(kv => kv.Key is not "end" and not "between rounds"))
            {
                var cpu = cpuPercent.TryGetValue(phase, out var c) ? c : null;
                string P(double v) => v.ToString("0", CultureInfo.InvariantCulture) + " %";
                var wall = Sampler.WallSeconds.GetValueOrDefault(phase);
                md.AppendLine(cpu is null ? $"| {phase} | | {Format.N(kb / 1024.0)} | | | | | | |"
                    : $"| {phase} | {wall:F1} | {Format.N(kb / 1024.0)} | {P(cpu[ServerSampler.Server])} | {P(cpu[ServerSampler.Unlimited])} | {P(cpu[ServerSampler.Old])} | {P(cpu[ServerSampler.Postgres])} | {P(cpu[ServerSampler.Client])} | " +
                      $"{P(Math.Max(0, cpu[ServerSampler.Machine] - cpu[ServerSampler.Server] - cpu[ServerSampler.Unlimited] - cpu[ServerSampler.Old] - cpu[ServerSampler.Postgres] - cpu[ServerSampler.Client]))} |");
            }
        }

        md.AppendLine($"| **VmHWM at the end** | | **{Format.N(HwmKb / 1024.0)}** | | | | | | |");
        md.AppendLine();
        var findings = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(settings.Output)) ?? ".", "bench", "findings.md");
        if (!File.Exists(findings))
        {
            findings = Path.Combine(Env("BENCH_ROOT") is { Length: > 0 } root ? root : ".", "bench", "findings.md");
        }

        if (File.Exists(findings))
        {
            md.AppendLine(File.ReadAllText(findings).TrimEnd());
            md.AppendLine();
        }

        return (md.ToString(), summary.ToString());
    }
}
