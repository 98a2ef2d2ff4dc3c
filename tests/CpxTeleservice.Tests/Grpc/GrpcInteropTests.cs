using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CpxTeleservice.DevPki;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;

namespace CpxTeleservice.Tests.Grpc;

/// <summary>The service with intake sources configured, for real gRPC clients over mutual TLS.</summary>
public class IntakeHost : ServiceHost
{
    public const string OrdreIdNatStruct = "2775672272";
    public const string ArsIdNatStruct = "1130000000";
    public const int MaxReceiveMessageSize = 64 * 1024;

    /// <summary>A certificate of the Ordre configured by its serial number alone (its CN is not configured).</summary>
    public X509Certificate2 SerialOnly { get; } = GrpcChannels.Organisation(OrdreIdNatStruct, "CONFIGURED BY SERIAL");

    /// <summary>The subject CN of the certificates configured for both sources.</summary>
    public const string CertificateName = "INTAKE TEST";

    public IntakeHost()
    {
        With("Intake:Sources:0:IdNatStruct", OrdreIdNatStruct);
        With("Intake:Sources:0:Certificates:0", "CN=" + CertificateName);
        With("Intake:Sources:0:Kind", "ordre");
        With("Intake:Sources:0:Name", "Ordre national des infirmiers (test)");
        With("Intake:Sources:0:Professions:0", "60");
        With("Intake:Sources:1:IdNatStruct", ArsIdNatStruct);
        With("Intake:Sources:0:Certificates:1", "serial=" + SerialOnly.SerialNumber);
        With("Intake:Sources:1:Certificates:0", "CN=" + CertificateName);
        With("Intake:Sources:1:Kind", "ars");
        With("Intake:Sources:1:Name", "ARS Provence-Alpes-Côte d'Azur (test)");
        With("Intake:Sources:1:Professions:0", "26");
        With("Intake:Sources:1:Departements:0", "13");
        With("Grpc:MaxReceiveMessageSize", MaxReceiveMessageSize.ToString());
    }

    /// <summary>The body limits each gRPC method was served with.</summary>
    public RequestLimitsProbe Limits { get; } = new();

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter>(services, Limits));
    }

    /// <summary>PEM files of the certificates the clients present, by name: cert and key paths.</summary>
    public (string Cert, string Key) Credentials(string name) => (_credentials.Value[name] + ".crt", _credentials.Value[name] + ".key");

    /// <summary>The root the clients trust; written with the credentials, whichever a test asks for first.</summary>
    public string RootPath
    {
        get
        {
            _ = _credentials.Value;
            return RootFile;
        }
    }

    private string RootFile => Path.Combine(Folder, "root.pem");

    private string Folder => _folder.Value;
    private readonly Lazy<string> _folder = new(() => Directory.CreateTempSubdirectory("cpx-interop-").FullName);
    private Lazy<Dictionary<string, string>> _credentials => _lazyCredentials ??= new(WriteCredentials);
    private Lazy<Dictionary<string, string>>? _lazyCredentials;

    private Dictionary<string, string> WriteCredentials()
    {
        File.WriteAllText(RootFile, Pki.Root.CertificatePem);
        var otherRoot = CpxTeleservice.DevPki.Pki.CreateRoot(DemoPki.RootName);
        var otherOrganisationCa = CpxTeleservice.DevPki.Pki.CreateIntermediate(otherRoot, DemoPki.OrganisationCaName);
        var issued = new Dictionary<string, IssuedCertificate>
        {
            ["ordre"] = CpxTeleservice.DevPki.Pki.IssueOrganisation(Pki.OrganisationCa, "ORDRE NATIONAL DES INFIRMIERS", OrdreIdNatStruct, "INTAKE TEST"),
            ["ars"] = CpxTeleservice.DevPki.Pki.IssueOrganisation(Pki.OrganisationCa, "ARS PACA", ArsIdNatStruct, "INTAKE TEST"),
            ["unknown-ou"] = CpxTeleservice.DevPki.Pki.IssueOrganisation(Pki.OrganisationCa, "UNE AUTRE ORGANISATION", "3999999999", "INTAKE TEST"),
            // Same names as the trusted organisation CA and the same OU, other keys: an impostor.
            ["other-ca"] = CpxTeleservice.DevPki.Pki.IssueOrganisation(otherOrganisationCa, "ORDRE NATIONAL DES INFIRMIERS", OrdreIdNatStruct, "INTAKE TEST"),
            // A valid card's authentication certificate: it chains to the card CA, not to an organisation CA.
            ["card"] = CpxTeleservice.DevPki.Pki.IssueCard(Pki.CardCa,
                new CardIdentity("810001234567", "MARTIN", "PAUL", 0, "9100000001", Profession: 60, Title: "Infirmier"), CardCertificateUsage.Authentication),
        };
        var paths = new Dictionary<string, string>();
        foreach (var (name, certificate) in issued)
        {
            var path = Path.Combine(Folder, name);
            File.WriteAllText(path + ".crt", certificate.CertificatePem);
            File.WriteAllText(path + ".key", certificate.KeyPem);
            paths[name] = path;
        }

        return paths;
    }
}

/// <summary>
/// Interop with gRPC clients written by others, as the Ordres and ARS will use: python3-grpcio
/// (Debian) and @grpc/grpc-js (npm), each a child process over mutual TLS to the real Kestrel port
/// (tests/interop; `./dev test` installs both). Each scenario prints one JSON object.
/// </summary>
public class GrpcInteropTests(IntakeHost host) : IClassFixture<IntakeHost>
{
    private const string StreamRegistrations = "/cpx.intake.v1.OrdreIntake/StreamRegistrations";

    private async Task<JsonElement> RunAsync(string client, string scenario, string? credentials, params string[] extra)
    {
        var root = Repository.Root;
        var start = client switch
        {
            "python" => new ProcessStartInfo("/usr/bin/python3") { ArgumentList = { Path.Combine(root, "tests/interop/python/intake_client.py") } },
            "node" => new ProcessStartInfo("node") { ArgumentList = { Path.Combine(root, "tests/interop/node/intake-client.js") } },
            _ => throw new ArgumentOutOfRangeException(nameof(client)),
        };
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        foreach (var argument in new[] { "--target", $"127.0.0.1:{host.BaseAddress.Port}", "--ca", host.RootPath, "--protos", Path.Combine(root, "protos"), "--scenario", scenario })
        {
            start.ArgumentList.Add(argument);
        }

        if (credentials is not null)
        {
            var (cert, key) = host.Credentials(credentials);
            foreach (var argument in new[] { "--cert", cert, "--key", key })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in extra)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var guard = new CancellationTokenSource(TimeSpan.FromSeconds(120)))
        {
            try
            {
                await process.WaitForExitAsync(guard.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{client} {scenario} did not finish: {await stderr}");
            }
        }

        var output = (await stdout).Trim();
        Assert.True(process.ExitCode == 0 && output.Length > 0, $"{client} {scenario} exited {process.ExitCode}: {output} {await stderr}");
        return JsonDocument.Parse(output.Split('\n')[^1]).RootElement.Clone();
    }

    private static void AssertStatus(JsonElement result, int code, string? detailContains = null)
    {
        Assert.True(result.GetProperty("code").GetInt32() == code, $"expected status {code}, got {result}");
        if (detailContains is not null)
        {
            Assert.Contains(detailContains, result.GetProperty("details").GetString());
        }
    }

    private async Task<int> AuditCountAsync(string outcome, string target)
    {
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_events WHERE action = 'authenticate' AND outcome = @outcome AND target = @target", new { outcome, target });
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Health_check_is_SERVING_without_a_client_certificate(string client)
    {
        var result = await RunAsync(client, "health", credentials: null);
        AssertStatus(result, 0);
        Assert.Equal("SERVING", result.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Health_check_of_an_unknown_service_is_NOT_FOUND(string client)
    {
        AssertStatus(await RunAsync(client, "health-unknown", credentials: null), 5);
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Bidi_stream_of_N_records_gets_N_acks_in_order(string client)
    {
        const int count = 25;
        var result = await RunAsync(client, "ordre-stream", "ordre", "--count", count.ToString());
        AssertStatus(result, 0);
        var acks = result.GetProperty("acks").EnumerateArray().ToList();
        Assert.Equal(count, acks.Count);
        var prefix = client == "python" ? "py" : "js";
        for (var i = 0; i < count; i++)
        {
            Assert.Equal($"{prefix}-{i}", acks[i].GetProperty("recordId").GetString());
            Assert.Equal(i + 1, acks[i].GetProperty("version").GetInt64());
            // The same professional registered under 25 record ids: applied once each (DUPLICATE if another test sent them first).
            Assert.Contains(acks[i].GetProperty("outcome").GetString(), new[] { "ACCEPTED", "DUPLICATE" });
        }
    }

    [Theory]
    [InlineData("python", "ars-adeli-stream")]
    [InlineData("node", "ars-adeli-stream")]
    [InlineData("python", "ars-visa-stream")]
    [InlineData("node", "ars-visa-stream")]
    public async Task ARS_source_streams_its_records(string client, string scenario)
    {
        var result = await RunAsync(client, scenario, "ars", "--count", "4");
        AssertStatus(result, 0);
        Assert.Equal(4, result.GetProperty("acks").GetArrayLength());
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task No_client_certificate_is_UNAUTHENTICATED_and_audited(string client)
    {
        var before = await AuditCountAsync("refused:certificate-required", StreamRegistrations);
        AssertStatus(await RunAsync(client, "ordre-stream", credentials: null), 16, "certificate-required");
        Assert.Equal(before + 1, await AuditCountAsync("refused:certificate-required", StreamRegistrations));
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Certificate_of_another_CA_is_UNAUTHENTICATED(string client)
    {
        AssertStatus(await RunAsync(client, "ordre-stream", "other-ca"), 16, "certificate-untrusted");
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Card_certificate_is_UNAUTHENTICATED_for_intake(string client)
    {
        AssertStatus(await RunAsync(client, "ordre-stream", "card"), 16, "certificate-untrusted");
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Organisation_unknown_by_its_OU_is_UNAUTHENTICATED_and_audited(string client)
    {
        var before = await AuditCountAsync("refused:intake-source-unknown", StreamRegistrations);
        AssertStatus(await RunAsync(client, "ordre-stream", "unknown-ou"), 16, "intake-source-unknown");
        Assert.Equal(before + 1, await AuditCountAsync("refused:intake-source-unknown", StreamRegistrations));
    }

    [Theory]
    [InlineData("python", "ars-adeli-stream", "ordre")]
    [InlineData("node", "ars-visa-stream", "ordre")]
    [InlineData("python", "ordre-stream", "ars")]
    [InlineData("node", "ordre-stream", "ars")]
    public async Task Source_calling_the_other_kinds_service_is_PERMISSION_DENIED(string client, string scenario, string source)
    {
        AssertStatus(await RunAsync(client, scenario, source), 7, "intake-source-not-allowed");
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Silent_stream_past_its_deadline_is_DEADLINE_EXCEEDED(string client)
    {
        AssertStatus(await RunAsync(client, "deadline", "ordre", "--timeout-ms", "200"), 4);
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Unknown_method_is_UNIMPLEMENTED(string client)
    {
        AssertStatus(await RunAsync(client, "unknown-method", "ordre"), 12);
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Message_over_the_receive_limit_is_RESOURCE_EXHAUSTED(string client)
    {
        var result = await RunAsync(client, "oversize", "ordre", "--count", "1", "--size", (IntakeHost.MaxReceiveMessageSize + 1).ToString());
        AssertStatus(result, 8);
        Assert.Equal(0, result.GetProperty("acks").GetArrayLength());
    }
}
