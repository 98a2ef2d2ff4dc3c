using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Hosting;

/// <summary>
/// The built server, started as an operator starts it (<c>dotnet CpxTeleservice.Api.dll</c>) from a working
/// directory that is not its own folder, in Production: the <c>appsettings.json</c> beside the binary applies.
/// </summary>
public sealed class ServerStartTests
{
    [Fact]
    public async Task Started_from_another_directory_the_server_applies_the_appsettings_beside_its_binary()
    {
        await using var database = await TestDatabase.CreateAsync();
        var pki = TestPki.Current;
        var elsewhere = Directory.CreateTempSubdirectory("cpx-elsewhere-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [ApiDll()])
        {
            WorkingDirectory = elsewhere,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment.Remove("ASPNETCORE_CONTENTROOT");
        start.Environment.Remove("DOTNET_CONTENTROOT");
        start.Environment["ConnectionStrings__Postgres"] = database.ConnectionString;
        start.Environment["Urls"] = $"https://127.0.0.1:{port}";
        start.Environment["Tls__Certificate"] = pki.ServerCertificatePath;
        start.Environment["Tls__Key"] = pki.ServerKeyPath;
        start.Environment["Trust__CardAnchors"] = pki.CardAnchorsPath;
        start.Environment["Renewal__Enabled"] = "false";
        start.Environment["DataProtection__KeysPath"] = Path.Combine(elsewhere, "keys");

        var log = new StringBuilder();
        using var server = new Process { StartInfo = start };
        server.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        server.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        server.Start();
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient(new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
            });
            var live = await WaitForLiveAsync(client, $"https://127.0.0.1:{port}/health/live", server, log);
            Assert.Equal(HttpStatusCode.OK, live);
            for (var i = 0; i < 3; i++)
            {
                (await client.GetAsync($"https://127.0.0.1:{port}/health/live")).Dispose();
            }

            // No watcher over the content root: reloadConfigOnChange is off.
            Assert.Equal(0, InotifyWatches(server.Id));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            Directory.Delete(elsewhere, recursive: true);
        }

        string output;
        lock (log) { output = log.ToString(); }
        // The host's lifetime events are Information under "Microsoft.Hosting": the log works...
        Assert.Contains("Now listening on", output);
        // ...but appsettings.json sets "Microsoft.AspNetCore" to Warning: no Information line per request.
        // Without it, the default level (Information) logs "Request starting" for every request.
        Assert.DoesNotContain("Request starting", output);
        Assert.DoesNotContain("Request finished", output);
        // ...and appsettings.Production.json turns the service's own line per request off too.
        Assert.DoesNotContain("\"eventName\":\"Request\"", output);
    }

    /// <summary>The API built in the same configuration as these tests, in its own output folder.</summary>
    private static string ApiDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Repository.File("api", "bin", configuration, "net10.0", "CpxTeleservice.Api.dll");
        Assert.True(File.Exists(dll), dll + " is not built");
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(dll)!, "appsettings.json")), "appsettings.json is not copied beside the binary");
        return dll;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<HttpStatusCode> WaitForLiveAsync(HttpClient client, string url, Process server, StringBuilder log)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (server.HasExited)
            {
                lock (log) { Assert.Fail("the server stopped:\n" + log); }
            }

            try
            {
                using var response = await client.GetAsync(url);
                return response.StatusCode;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(250);
            }
        }

        lock (log) { Assert.Fail("the server did not answer within 60 s:\n" + log); }
        return default;
    }

    /// <summary>The inotify watches the process holds (Linux): a configuration file watcher adds one per folder.</summary>
    private static int InotifyWatches(int pid)
    {
        var count = 0;
        foreach (var info in Directory.EnumerateFiles($"/proc/{pid}/fdinfo"))
        {
            try
            {
                count += File.ReadLines(info).Count(line => line.StartsWith("inotify wd:", StringComparison.Ordinal));
            }
            catch (IOException)
            {
                // the descriptor closed meanwhile
            }
        }

        return count;
    }
}
