using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CpxTeleservice.DevPki;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Faults;

/// <summary>
/// The built server (<c>dotnet CpxTeleservice.Api.dll</c>, in the configuration of these tests) run as
/// a process of its own on a test database, in Production, with the settings an operator gives it;
/// killed with SIGKILL, as the kernel's OOM killer or a pulled plug ends it, and started again.
/// </summary>
public sealed class ServiceProcess(TestDatabase database) : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cpx-fault-server-").FullName;
    private readonly StringBuilder _log = new();
    private Process? _process;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>What the process wrote (every start), for a failure's message.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts the server on a new port and waits until it is ready (PostgreSQL reached, migrations applied).</summary>
    public async Task StartAsync()
    {
        var port = FreePort();
        var pki = TestPki.Current;
        var start = new ProcessStartInfo("dotnet", [ApiDll()])
        {
            WorkingDirectory = _folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var inherited in new[] { "ASPNETCORE_CONTENTROOT", "DOTNET_CONTENTROOT", "ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT" })
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Postgres"] = database.RuntimeConnectionString;
        start.Environment["ConnectionStrings__PostgresOwner"] = database.OwnerConnectionString;
        start.Environment["Urls"] = $"https://127.0.0.1:{port}";
        start.Environment["Tls__Certificate"] = pki.ServerCertificatePath;
        start.Environment["Tls__Key"] = pki.ServerKeyPath;
        start.Environment["Trust__CardAnchors"] = pki.CardAnchorsPath;
        start.Environment["Trust__OrganisationAnchors"] = pki.OrganisationAnchorsPath;
        start.Environment["Operators__0__IdNat"] = ServiceHost.Operator.IdNat;
        start.Environment["Operators__0__CardSerial"] = ServiceHost.Operator.CardSerial;
        start.Environment["Renewal__Enabled"] = "false";
        start.Environment["DataProtection__KeysPath"] = Path.Combine(_folder, "keys");
        start.Environment["Logging__LogLevel__Default"] = "Warning";

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        BaseAddress = new Uri($"https://127.0.0.1:{port}");
        await WaitUntilReadyAsync(process);
    }

    /// <summary>SIGKILL: the process ends at once, with no shutdown of any kind; its connections are closed by the kernel.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>A client whose TLS handshakes present the card's authentication certificate.</summary>
    public HttpClient Client(CardIdentity card) => ServiceHost.Client(BaseAddress, TestPki.Current.Card(card));

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // a temporary folder left behind
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private async Task WaitUntilReadyAsync(Process process)
    {
        using var client = ServiceHost.Client(BaseAddress, null);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the server stopped (exit code {process.ExitCode}):\n{Log}");
            }

            try
            {
                using var response = await client.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException($"the server was not ready within 90 s:\n{Log}");
    }

    /// <summary>The API built in the same configuration as these tests, in its own output folder.</summary>
    private static string ApiDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Repository.File("api", "bin", configuration, "net10.0", "CpxTeleservice.Api.dll");
        Assert.True(File.Exists(dll), dll + " is not built");
        return dll;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
