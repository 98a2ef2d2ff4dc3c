using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace CpxTeleservice.Bench;

/// <summary>The harness's settings, all from the environment that bench/run sets.</summary>
public sealed class Settings
{
    public required string BaseUrl { get; init; }
    public required string Pki { get; init; }
    public required string PgHost { get; init; }
    public required int PgPort { get; init; }
    public required string Database { get; init; }
    public required string CeilingDatabase { get; init; }
    public required int ServerPid { get; init; }
    /// <summary>The same binary with its Limits__* lifted (bench/run), on the same database.</summary>
    public string? UnlimitedUrl { get; init; }
    public int UnlimitedPid { get; init; }
    public string UnlimitedEnv { get; init; } = "";
    /// <summary>The intake's "before": the old commit's server on its own database (empty: not run).</summary>
    public string? OldUrl { get; init; }
    public int OldPid { get; init; }
    public string OldCommit { get; init; } = "";
    public int IntakeRounds { get; init; }
    public int AckMessages { get; init; }
    public string? Pgbench { get; init; }
    public string? RegistrySql { get; init; }
    public double PgbenchSeconds { get; init; }
    public int FloodRequests { get; init; }
    public double FloodProbeRate { get; init; }
    public double FloodMaxSeconds { get; init; }
    public int IntakeRecords { get; init; }
    public int IntakeStreams { get; init; }
    public int BatchSize { get; init; }
    public int[] GrowthSizes { get; init; } = [];
    public double RestSeconds { get; init; }
    public int RestConcurrency { get; init; }
    public double HandshakeSeconds { get; init; }
    public int HandshakeConcurrency { get; init; }
    public string Output { get; init; } = "BENCHMARKS.md";
    public string Command { get; init; } = "./bench/run";

    public string ConnectionString(string database) =>
        $"Host={PgHost};Port={PgPort};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=8;Command Timeout=0";

    private static string Env(string name, string? fallback = null) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value
        : fallback ?? throw new InvalidOperationException($"{name} is required (bench/run sets it).");

    private static int Int(string name, int fallback) => int.Parse(Env(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    private static double Double(string name, double fallback) => double.Parse(Env(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    public static Settings FromEnvironment() => new()
    {
        BaseUrl = Env("BENCH_URL"),
        Pki = Env("BENCH_PKI"),
        PgHost = Env("BENCH_PG_HOST", "127.0.0.1"),
        PgPort = Int("BENCH_PG_PORT", 57432),
        Database = Env("BENCH_DATABASE", "cpx"),
        CeilingDatabase = Env("BENCH_CEILING_DATABASE", "cpx_ceiling"),
        ServerPid = Int("BENCH_SERVER_PID", 0),
        UnlimitedUrl = Environment.GetEnvironmentVariable("BENCH_UNLIMITED_URL") is { Length: > 0 } u ? u : null,
        UnlimitedPid = Int("BENCH_UNLIMITED_PID", 0),
        UnlimitedEnv = Env("BENCH_UNLIMITED_ENV", ""),
        OldUrl = Environment.GetEnvironmentVariable("BENCH_OLD_URL") is { Length: > 0 } o ? o : null,
        OldPid = Int("BENCH_OLD_PID", 0),
        OldCommit = Env("BENCH_OLD_COMMIT", ""),
        IntakeRounds = Math.Max(1, Int("BENCH_INTAKE_ROUNDS", 4)),
        AckMessages = Int("BENCH_ACK_MESSAGES", 1_000_000),
        Pgbench = Environment.GetEnvironmentVariable("BENCH_PGBENCH") is { Length: > 0 } b ? b : null,
        RegistrySql = Environment.GetEnvironmentVariable("BENCH_REGISTRY_SQL") is { Length: > 0 } r ? r : null,
        PgbenchSeconds = Double("BENCH_PGBENCH_SECONDS", 10),
        FloodRequests = Int("BENCH_FLOOD_REQUESTS", 20_000),
        FloodProbeRate = Double("BENCH_FLOOD_PROBE_RATE", 200),
        FloodMaxSeconds = Double("BENCH_FLOOD_MAX_SECONDS", 60),
        IntakeRecords = Int("BENCH_INTAKE_RECORDS", 1_000_000),
        IntakeStreams = Int("BENCH_INTAKE_STREAMS", 4),
        BatchSize = Int("BENCH_BATCH_SIZE", 1000),
        GrowthSizes = Env("BENCH_GROWTH_SIZES", "1000,100000,1000000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
        RestSeconds = Double("BENCH_REST_SECONDS", 10),
        RestConcurrency = Int("BENCH_REST_CONCURRENCY", 16),
        HandshakeSeconds = Double("BENCH_HANDSHAKE_SECONDS", 8),
        HandshakeConcurrency = Int("BENCH_HANDSHAKE_CONCURRENCY", 4),
        Output = Env("BENCH_OUTPUT", "BENCHMARKS.md"),
        Command = Env("BENCH_COMMAND", "./bench/run"),
    };
}

public static class Tls
{
    /// <summary>A PEM certificate and key as a certificate SslStream can present (a PKCS#12 round trip, as the server does).</summary>
    public static X509Certificate2 Load(string crt, string key)
    {
        using var pem = X509Certificate2.CreateFromPemFile(crt, key);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>The server is pinned to the development PKI's server certificate: cheap, and no system store involved.</summary>
    public static RemoteCertificateValidationCallback Pin(string serverCrt)
    {
        using var expected = X509Certificate2.CreateFromPem(File.ReadAllText(serverCrt));
        var thumbprint = expected.GetCertHashString();
        return (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == thumbprint;
    }

    public static SocketsHttpHandler Handler(Settings settings, X509Certificate2? client, int maxConnections) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = client is null ? null : new X509CertificateCollection { client },
            RemoteCertificateValidationCallback = Pin(Path.Combine(settings.Pki, "server", "server.crt")),
            TargetHost = "localhost",
        },
        MaxConnectionsPerServer = maxConnections,
        EnableMultipleHttp2Connections = true,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        UseCookies = false,
    };
}

/// <summary>Latencies recorded one by one, in ticks; percentiles by sorting (exact, like HdrHistogram at full precision).</summary>
public sealed class Latencies
{
    private readonly List<long> _ticks = new(1 << 16);
    private readonly Lock _lock = new();

    public void Add(long ticks)
    {
        lock (_lock)
        {
            _ticks.Add(ticks);
        }
    }

    public int Count => _ticks.Count;

    public (double P50, double P90, double P99, double Max) Summary()
    {
        lock (_lock)
        {
            if (_ticks.Count == 0)
            {
                return (double.NaN, double.NaN, double.NaN, double.NaN);
            }

            _ticks.Sort();
            double Ms(double q) => _ticks[Math.Min(_ticks.Count - 1, (int)Math.Ceiling(q * _ticks.Count) - 1)] * 1000.0 / Stopwatch.Frequency;
            return (Ms(0.50), Ms(0.90), Ms(0.99), _ticks[^1] * 1000.0 / Stopwatch.Frequency);
        }
    }
}

/// <summary>
/// Samples the servers: the main server's VmRSS every 100 ms (the peak per phase) and VmHWM, and per
/// phase the CPU time of every server, PostgreSQL, this client and the whole machine, from /proc. A
/// phase entered again (interleaved rounds) adds to what it had.
/// </summary>
public sealed class ServerSampler : IAsyncDisposable
{
    /// <summary>Indexes in the CPU arrays.</summary>
    public const int Server = 0, Postgres = 1, Client = 2, Machine = 3, Unlimited = 4, Old = 5;

    private readonly int _pid;
    private readonly int[] _others;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Lock _lock = new();
    private string _phase = "start-up";
    private readonly int _postmaster = Postmaster();
    private double[] _phaseCpuStart;
    private long _phaseStarted = Stopwatch.GetTimestamp();

    public Dictionary<string, long> PeakRssKb { get; } = new();
    /// <summary>Per phase, CPU seconds: the server, PostgreSQL (every process of the cluster), this client, the whole machine busy, the server without limits, the old server.</summary>
    public Dictionary<string, double[]> CpuSecondsByPhase { get; } = new();
    /// <summary>Per phase, wall-clock seconds.</summary>
    public Dictionary<string, double> WallSeconds { get; } = new();

    /// <summary>Per phase, CPU use in % of one core (200 % is the whole of two cores).</summary>
    public Dictionary<string, double[]> CpuPercent =>
        CpuSecondsByPhase.ToDictionary(kv => kv.Key, kv => kv.Value.Select(v => 100 * v / WallSeconds[kv.Key]).ToArray());

    public ServerSampler(int pid, params int[] others)
    {
        _pid = pid;
        _others = others;
        _phaseCpuStart = CpuSeconds();
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var rss = Status("VmRSS:");
                lock (_lock)
                {
                    PeakRssKb[_phase] = Math.Max(PeakRssKb.GetValueOrDefault(_phase), rss);
                }

                try
                {
                    await Task.Delay(100, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
    }

    /// <summary>Starts a new phase; the previous one's peak RSS and CPU time are kept (added) under its name.</summary>
    public void Phase(string name)
    {
        lock (_lock)
        {
            var cpu = CpuSeconds();
            var seconds = Stopwatch.GetElapsedTime(_phaseStarted).TotalSeconds;
            var delta = cpu.Zip(_phaseCpuStart, (now, then) => now - then).ToArray();
            CpuSecondsByPhase[_phase] = CpuSecondsByPhase.TryGetValue(_phase, out var before) ? before.Zip(delta, (a, b) => a + b).ToArray() : delta;
            WallSeconds[_phase] = WallSeconds.GetValueOrDefault(_phase) + seconds;

            _phase = name;
            _phaseCpuStart = cpu;
            _phaseStarted = Stopwatch.GetTimestamp();
            PeakRssKb[name] = Math.Max(PeakRssKb.GetValueOrDefault(name), Status("VmRSS:"));
        }
    }

    /// <summary>CPU seconds of one process (by index above) in a phase per unit of work, in µs; NaN when the phase did not run.</summary>
    public double MicrosecondsPer(string phase, int index, double units) =>
        CpuSecondsByPhase.TryGetValue(phase, out var cpu) && units > 0 ? cpu[index] * 1e6 / units : double.NaN;

    public long Status(string field)
    {
        if (_pid <= 0)
        {
            return 0;
        }

        try
        {
            foreach (var line in File.ReadLines($"/proc/{_pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }

    private static int Postmaster()
    {
        var file = Environment.GetEnvironmentVariable("BENCH_PG_PIDFILE");
        return file is { Length: > 0 } && File.Exists(file) ? int.Parse(File.ReadLines(file).First(), CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>utime + stime of a process, in seconds, its parent, and the CPU of its children it has waited for (cutime + cstime).</summary>
    private static (double Seconds, int Parent, double Children) ProcessCpu(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields 4, 14, 15, 16 and 17 of stat(5) (ppid, utime, stime, cutime, cstime) are at 1, 11, 12, 13 and 14 after the command.
            double Ticks(int i) => double.Parse(fields[i], CultureInfo.InvariantCulture) / 100.0;
            return (Ticks(11) + Ticks(12), int.Parse(fields[1], CultureInfo.InvariantCulture), Ticks(13) + Ticks(14));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (0, 0, 0);
        }
    }

    /// <summary>CPU seconds so far: [server, PostgreSQL, this client, whole machine busy, then the other servers].</summary>
    private double[] CpuSeconds()
    {
        var server = _pid > 0 ? ProcessCpu(_pid).Seconds : 0;
        double postgres = 0;
        if (_postmaster > 0)
        {
            // The postmaster, its live children (backends, background processes), and the children that have
            // exited (a pooled connection pruned, a pgbench client gone), which the postmaster's cutime and
            // cstime hold once it has reaped them: a sum that never goes back and loses no backend.
            var (own, _, reaped) = ProcessCpu(_postmaster);
            postgres = own + reaped;
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(directory), out var pid) && pid != _postmaster)
                {
                    var (seconds, parent, _) = ProcessCpu(pid);
                    if (parent == _postmaster)
                    {
                        postgres += seconds;
                    }
                }
            }
        }

        var client = Environment.ProcessId is var self ? ProcessCpu(self).Seconds : 0;
        double busy = 0;
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
            var values = cpu.Skip(1).Take(8).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            busy = (values.Sum() - values[3] - values[4]) / 100.0;
        }
        catch (IOException)
        {
        }

        return [server, postgres, client, busy, .. _others.Select(pid => pid > 0 ? ProcessCpu(pid).Seconds : 0)];
    }

    public async ValueTask DisposeAsync()
    {
        Phase("end");
        await _stop.CancelAsync();
        await _loop;
    }
}

public static class Format
{
    public static string N(double value, int decimals = 0) => double.IsNaN(value) ? "n/a" : value.ToString("N" + decimals, CultureInfo.InvariantCulture).Replace(",", "\u202f");

    public static string Ms(double value) => double.IsNaN(value) ? "n/a" : value.ToString(value < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    public static string Pct(double ratio) => double.IsNaN(ratio) ? "n/a" : (100 * ratio).ToString("0", CultureInfo.InvariantCulture) + " %";
}
