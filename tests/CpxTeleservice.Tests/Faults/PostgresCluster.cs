using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace CpxTeleservice.Tests.Faults;

/// <summary>
/// A PostgreSQL cluster of a test's own, which the test may stop and start: created with the binaries
/// `./dev` uses (<c>/usr/lib/postgresql/*/bin</c>, the newest), in a temporary folder, on a free port of
/// the loopback. As root (CI) the server runs as the <c>postgres</c> user, through <c>runuser</c>, as
/// `./dev` runs it; as an ordinary user, as that user. Unlike the run's shared cluster,
/// <c>synchronous_commit</c> stays on: a commit is in the WAL the server wrote before it is answered, so
/// what was answered survives the server's stop. <c>fsync</c> is off: the machine does not crash here.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _folder;
    private readonly bool _asPostgresUser = Environment.IsPrivilegedProcess;

    private PostgresCluster(string bin, string folder, int port)
    {
        _bin = bin;
        _folder = folder;
        Port = port;
        AdminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres", Timeout = 5,
        }.ConnectionString;
    }

    public int Port { get; }

    /// <summary>The cluster's superuser on its <c>postgres</c> database.</summary>
    public string AdminConnectionString { get; }

    private string Data => Path.Combine(_folder, "data");

    /// <summary>Creates the cluster (initdb) and starts it.</summary>
    public static async Task<PostgresCluster> StartAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The fault tests run PostgreSQL's Debian binaries: Linux only, as `./dev test`.");
        }

        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var major) ? major : 0)
                .FirstOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("No PostgreSQL server binaries under /usr/lib/postgresql/*/bin: `./dev test` installs them.");
        }

        var folder = Directory.CreateTempSubdirectory("cpx-fault-pg-").FullName;
        var cluster = new PostgresCluster(bin, folder, FreePort());
        try
        {
            if (cluster._asPostgresUser)
            {
                // The server runs as `postgres`: it owns its folder and reaches it through every parent.
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                await RunAsync("chown", "postgres:postgres", folder);
                for (var parent = Path.GetDirectoryName(folder); parent is not null && parent != "/"; parent = Path.GetDirectoryName(parent))
                {
                    var mode = File.GetUnixFileMode(parent);
                    if (!mode.HasFlag(UnixFileMode.OtherExecute))
                    {
                        File.SetUnixFileMode(parent, mode | UnixFileMode.OtherExecute);
                    }
                }
            }

            await cluster.PgAsync("initdb", "-D", cluster.Data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync");
            await cluster.StartServerAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the stopped server on the same port and waits until it accepts connections.</summary>
    public Task StartServerAsync() => PgAsync("pg_ctl", "-D", Data, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=100",
        "start");

    /// <summary>
    /// Stops the server in fast mode, as an operator's restart or a failover does: open transactions are
    /// rolled back, sessions are ended, and it waits until the server is gone.
    /// </summary>
    public Task StopServerAsync() => PgAsync("pg_ctl", "-D", Data, "-m", "fast", "-w", "-t", "60", "stop");

    /// <summary>The server's log, for a failure's message.</summary>
    public string ServerLog()
    {
        try
        {
            var lines = File.ReadAllLines(Path.Combine(_folder, "server.log"));
            return string.Join('\n', lines.TakeLast(30));
        }
        catch (IOException exception)
        {
            return exception.Message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(Data, "PG_VERSION")))
        {
            try
            {
                await PgAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "-t", "60", "stop");
            }
            catch (InvalidOperationException)
            {
                // already stopped
            }
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // a temporary folder left behind
        }
    }

    /// <summary>A server binary, run as the cluster's owner.</summary>
    private Task PgAsync(string program, params string[] arguments) =>
        _asPostgresUser
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, program), .. arguments])
            : RunAsync(Path.Combine(_bin, program), arguments);

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
