using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using CpxTeleservice.Bench;
using Npgsql;

// The benchmark run (bench/run starts PostgreSQL and the server, then this): every workload, side by
// side with its ceiling, in one run; the figures go to BENCHMARKS.md and a summary to stdout.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var settings = Settings.FromEnvironment();
var phases = (Environment.GetEnvironmentVariable("BENCH_PHASES") is { Length: > 0 } p ? p : "intake,ceiling,rest,growth,handshakes").Split(',').ToHashSet();
void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

await using var sampler = new ServerSampler(settings.ServerPid);
var report = new Report(settings);

if (phases.Contains("intake"))
{
    // A short warm-up stream (its own records) so that the measured run does not pay the JIT.
    sampler.Phase("intake warm-up");
    Log("intake: warm-up");
    await IntakeClient.RunAsync(settings, 50_000_000, Math.Min(20_000, Math.Max(1000, settings.IntakeRecords / 50)), settings.IntakeStreams);
    sampler.Phase("intake");
    Log($"intake: {settings.IntakeRecords:N0} registrations over {settings.IntakeStreams} stream(s)");
    report.Intake = await IntakeClient.RunAsync(settings, 0, settings.IntakeRecords, settings.IntakeStreams);
    Log($"intake: {report.Intake.Accepted:N0} accepted in {report.Intake.Seconds:F1} s = {report.Intake.PerSecond:N0}/s ({report.Intake.Status})");
}

if (phases.Contains("ceiling"))
{
    sampler.Phase("ceiling (server idle)");
    Log($"ceiling: COPY of the rows of {settings.IntakeRecords:N0} registrations");
    report.Ceiling = await Ceiling.RunAsync(settings, settings.IntakeRecords, settings.BatchSize);
    Log($"ceiling: {report.Ceiling.Rows:N0} rows in {report.Ceiling.Seconds:F1} s = {report.Ceiling.RecordsPerSecond:N0} registrations/s");
}

var parcs = new List<ParcStructure>();
if (phases.Contains("rest") || phases.Contains("growth"))
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

if (phases.Contains("rest"))
{
    using var client = RestLoad.Client(settings, "legal-representative-auth", settings.RestConcurrency);
    var load = new RestLoad(client);
    var workloads = new[]
    {
        RestLoad.Get("bare (ceiling)", "/api/v1/bench/bare"),
        RestLoad.Get("GET /me", "/api/v1/me"),
        RestLoad.Get("parc listing", Growth.ListPath(Growth.DemoStructure)),
        RestLoad.CreateOrder(Growth.DemoStructure),
    };
    // Every request warmed before any is measured: the bare endpoint, measured first, would otherwise pay the JIT's tiering.
    sampler.Phase("REST warm-up");
    Log("REST: warm-up of every request");
    foreach (var workload in workloads)
    {
        await load.WarmAsync(workload, 2000, settings.RestConcurrency);
    }

    foreach (var workload in workloads)
    {
        sampler.Phase("REST " + workload.Name);
        Log($"REST {workload.Name}: warm-up, saturation ({settings.RestConcurrency} workers), then half that rate");
        await load.WarmAsync(workload, 500, settings.RestConcurrency);
        var saturation = await load.SaturateAsync(workload, settings.RestConcurrency, settings.RestSeconds);
        var offered = await load.OfferAsync(workload, Math.Max(1, saturation.PerSecond / 2), settings.RestSeconds);
        report.Rest.Add((saturation, offered));
        Log($"REST {workload.Name}: {saturation.PerSecond:N0}/s p50 {saturation.P50:F2} p99 {saturation.P99:F2} ms ({saturation.Errors} errors); " +
            $"at {offered.OfferedPerSecond:N0}/s p50 {offered.P50:F2} p99 {offered.P99:F2} ms ({offered.Errors} errors)");
    }
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
    sampler.Phase("handshakes");
    Log($"handshakes: {settings.HandshakeConcurrency} clients for {settings.HandshakeSeconds} s");
    report.Handshakes = await Handshakes.RunAsync(settings, settings.HandshakeConcurrency, settings.HandshakeSeconds);
    Log($"handshakes: {report.Handshakes.PerSecond:N0}/s ({report.Handshakes.Errors} errors, {report.Handshakes.Protocol})");
}

sampler.Phase("end");
report.PeakRssKb = new Dictionary<string, long>(sampler.PeakRssKb);
report.CpuPercent = new Dictionary<string, double[]>(sampler.CpuPercent);
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
    public IntakeResult? Intake { get; set; }
    public CeilingResult? Ceiling { get; set; }
    public double ParcLoadSeconds { get; set; }
    public List<(LoadResult Saturation, LoadResult Offered)> Rest { get; } = [];
    public List<GrowthResult> Growth { get; } = [];
    public HandshakeResult? Handshakes { get; set; }
    public Dictionary<string, long> PeakRssKb { get; set; } = [];
    public Dictionary<string, double[]> CpuPercent { get; set; } = [];
    public long HwmKb { get; set; }
    public string PostgresVersion { get; set; } = "";

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

    public (string Markdown, string Summary) Render()
    {
        var md = new StringBuilder();
        var summary = new StringBuilder();
        var bare = Rest.FirstOrDefault(r => r.Saturation.Name.StartsWith("bare", StringComparison.Ordinal));
        var listing = Rest.FirstOrDefault(r => r.Saturation.Name == "parc listing");
        var orders = Rest.FirstOrDefault(r => r.Saturation.Name == "order creation");
        var peakRss = PeakRssKb.Count == 0 ? 0 : PeakRssKb.Values.Max();
        var largest = Growth.OrderByDescending(g => g.Cards).FirstOrDefault();

        // ----------------------------------------------------------- summary
        var rows = new List<(string What, string Figure, string Ceiling, string Ratio, string Target)>();
        if (Intake is not null && Ceiling is not null)
        {
            rows.Add(($"intake, {Intake.Records:N0} registrations (records/s)", Format.N(Intake.PerSecond), Format.N(Ceiling.RecordsPerSecond) + " (COPY)",
                Format.Pct(Intake.PerSecond / Ceiling.RecordsPerSecond), Verdict(Intake.PerSecond / Ceiling.RecordsPerSecond >= 0.5, "≥ 50 %")));
        }

        foreach (var (saturation, offered) in Rest)
        {
            var isBare = saturation == bare.Saturation;
            var ratio = bare.Saturation is null ? double.NaN : saturation.PerSecond / bare.Saturation.PerSecond;
            rows.Add(($"{saturation.Name}, saturation (req/s)", Format.N(saturation.PerSecond), isBare ? "—" : Format.N(bare.Saturation?.PerSecond ?? double.NaN) + " (bare)",
                isBare ? "100 %" : Format.Pct(ratio), saturation == listing.Saturation ? Verdict(ratio >= 0.3, "≥ 30 %") : ""));
            rows.Add(($"{saturation.Name}, p50 / p99 at {Format.N(offered.OfferedPerSecond)}/s (half) (ms)", $"{Format.Ms(offered.P50)} / {Format.Ms(offered.P99)}", "", "",
                saturation == listing.Saturation ? Verdict(offered.P99 <= 20, "p99 ≤ 20 ms") : ""));
        }

        foreach (var g in Growth)
        {
            var ratio = g.Deep.P50 / g.First.P50;
            rows.Add(($"parc of {g.Cards:N0}: first / deep page p50 (ms)", $"{Format.Ms(g.First.P50)} / {Format.Ms(g.Deep.P50)}", "", $"deep ÷ first {ratio:0.00}",
                g == largest ? Verdict(ratio <= 1.5, "≤ 1.5") : ""));
            rows.Add(($"parc of {g.Cards:N0}: CSV export", $"{Format.N(g.Export.RowsPerSecond)} rows/s, {g.Export.MegabytesPerSecond:0.0} MB/s", "", "", ""));
        }

        if (Handshakes is not null)
        {
            rows.Add(("new mutual-TLS connections (/s)", Format.N(Handshakes.PerSecond), "", "", ""));
        }

        rows.Add(("server peak RSS (MB)", Format.N(peakRss / 1024.0), "", "", Verdict(peakRss / 1024.0 <= 300, "≤ 300 MB")));

        summary.AppendLine("| measure | figure | ceiling | ratio | target |");
        summary.AppendLine("|---|---|---|---|---|");
        foreach (var r in rows)
        {
            summary.AppendLine($"| {r.What} | {r.Figure} | {r.Ceiling} | {r.Ratio} | {r.Target} |");
        }

        // ----------------------------------------------------------- document
        md.AppendLine("# Benchmarks");
        md.AppendLine();
        md.AppendLine("How close to this machine's own ceilings CpxTeleservice runs, measured side by side in one run of");
        md.AppendLine($"`{settings.Command}` (issue #5). The figures below are those of the last full run; `bench/findings.md`");
        md.AppendLine("(copied at the end) holds the profile findings. Re-run the command to regenerate this file.");
        md.AppendLine();
        md.AppendLine("## Summary");
        md.AppendLine();
        md.Append(summary);
        md.AppendLine();
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
        md.AppendLine($"| server | `{Env("BENCH_SERVER_COMMAND")}`, Release, with ./dev's service_env and `{Env("BENCH_SERVER_EXTRA_ENV")}` |");
        md.AppendLine($"| load average at the end | {Machine("load")} (the machine is shared: other engineers' builds and tests may run) |");
        md.AppendLine();
        md.AppendLine("Client, server and PostgreSQL share the same cores: every figure is \"this machine, all three on it\".");
        md.AppendLine("wrk and hey cannot present a client certificate, so the REST load generator is our own C# client");
        md.AppendLine("(`bench/CpxTeleservice.Bench/Rest.cs`: HttpClient, HTTP/1.1 keep-alive, mutual TLS).");
        md.AppendLine();

        if (Intake is not null)
        {
            md.AppendLine("## 1. Intake throughput");
            md.AppendLine();
            md.AppendLine($"{Intake.Records:N0} registrations (inscriptions, distinct Luhn-valid RPPS numbers, profession 60, distinct record ids), streamed by");
            md.AppendLine($"`OrdreIntake.StreamRegistrations` over {Intake.Streams} concurrent HTTP/2 stream(s) (multiplexed by HttpClient on one connection), from a C# client on HttpClient");
            md.AppendLine("(SocketsHttpHandler, the Ordre's organisation certificate, gRPC framing by hand, request streamed while the acks are read,");
            md.AppendLine("status from the trailers). The clock runs from the first record sent to the last ack received: every record is committed");
            md.AppendLine($"and acked end to end. `Intake__BatchSize={settings.BatchSize}`.");
            md.AppendLine();
            md.AppendLine("| | |");
            md.AppendLine("|---|---|");
            md.AppendLine($"| acked ACCEPTED | {Intake.Accepted:N0} (orders created: {Intake.OrdersCreated:N0}; other acks: {Intake.Other:N0}) |");
            md.AppendLine($"| final status | {Intake.Status} |");
            md.AppendLine($"| time | {Intake.Seconds:F1} s |");
            md.AppendLine($"| **throughput** | **{Format.N(Intake.PerSecond)} records/s** ({Format.N(Intake.PerSecond * 5)} rows/s over the five tables) |");
            if (Ceiling is not null)
            {
                md.AppendLine($"| ceiling (COPY, below) | {Format.N(Ceiling.RecordsPerSecond)} records/s |");
                md.AppendLine($"| **intake ÷ ceiling** | **{Format.Pct(Intake.PerSecond / Ceiling.RecordsPerSecond)}** |");
            }

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
            md.AppendLine($"The demo legal representative's card (CDE) over mutual TLS, HTTP/1.1 keep-alive, {settings.RestConcurrency} pooled connections.");
            md.AppendLine($"Saturation: {settings.RestConcurrency} workers for {settings.RestSeconds} s, each sending its next request as the last returns.");
            md.AppendLine($"Fixed rate: an open loop at half the saturation throughput of that same request for {settings.RestSeconds} s, latency counted");
            md.AppendLine("from each request's scheduled time. Percentiles are exact, from every recorded sample.");
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
                    var ratio = bare.Saturation is null ? "" : Format.Pct(r.PerSecond / bare.Saturation.PerSecond);
                    md.AppendLine($"| {r.Name} | {mode} | {Format.N(r.PerSecond)} | {ratio} | {Format.Ms(r.P50)} | {Format.Ms(r.P90)} | {Format.Ms(r.P99)} | {Format.Ms(r.Max)} | {r.Errors} |");
                }
            }

            md.AppendLine();
        }

        if (Growth.Count > 0)
        {
            md.AppendLine("## 3. Growth of the parc");
            md.AppendLine();
            md.AppendLine($"Structures created by SQL with an active contract and the demo legal representative, their holders and cards loaded by COPY");
            md.AppendLine($"({ParcLoadSeconds:F0} s for all of them, VACUUM ANALYZE included). Listing as above (`type=CPE&limit=50`), 200 sequential requests each");
            md.AppendLine("on a warm connection. The deep page's cursor is reconstructed (base64url of the big-endian UUID) for the card 500 positions");
            md.AppendLine("before the end. The export is `Accept: text/csv` of the whole parc (best of up to five runs).");
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
            md.AppendLine($"Connection: close). **{Format.N(Handshakes.PerSecond)} connections/s** ({Handshakes.Connections:N0}, {Handshakes.Errors} errors; per connection p50 {Format.Ms(Handshakes.P50)} ms, p99 {Format.Ms(Handshakes.P99)} ms).");
            md.AppendLine();
        }

        md.AppendLine("Server resident memory, VmRSS sampled every 100 ms from /proc/<pid>/status (peak per phase), and where the CPU went in each");
        md.AppendLine("phase (utime + stime from /proc, in % of one core: 200 % is the whole machine): the server, PostgreSQL (every process of");
        md.AppendLine("its cluster), this benchmark client, and the rest of the machine (other engineers' builds and tests; kernel work not");
        md.AppendLine("charged to a process):");
        md.AppendLine();
        md.AppendLine("| phase | peak RSS MB | server CPU | PostgreSQL CPU | client CPU | rest of machine |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var (phase, kb) in PeakRssKb.Where(kv => kv.Key != "end"))
        {
            var cpu = CpuPercent.TryGetValue(phase, out var c) ? c : null;
            string P(double v) => v.ToString("0", CultureInfo.InvariantCulture) + " %";
            md.AppendLine(cpu is null ? $"| {phase} | {Format.N(kb / 1024.0)} | | | | |"
                : $"| {phase} | {Format.N(kb / 1024.0)} | {P(cpu[0])} | {P(cpu[1])} | {P(cpu[2])} | {P(Math.Max(0, cpu[3] - cpu[0] - cpu[1] - cpu[2]))} |");
        }

        md.AppendLine($"| **VmHWM at the end** | **{Format.N(HwmKb / 1024.0)}** | | | | |");
        md.AppendLine();
        var findings = Path.Combine(Path.GetDirectoryName(settings.Output) ?? ".", "bench", "findings.md");
        if (File.Exists(findings))
        {
            md.AppendLine(File.ReadAllText(findings).TrimEnd());
            md.AppendLine();
        }

        return (md.ToString(), summary.ToString());
    }

    private static string Verdict(bool met, string target) => (met ? "met " : "**missed** ") + target;
}
