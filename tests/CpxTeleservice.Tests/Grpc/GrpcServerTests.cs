using CpxTeleservice.Intake;
using CpxTeleservice.Intake.V1;
using Dapper;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;

namespace CpxTeleservice.Tests.Grpc;

/// <summary>
/// The gRPC server (Grpc.AspNetCore) as the Ordres and ARS reach it: Grpc.Net.Client over the real
/// TLS port, with the test PKI's organisation certificates.
/// </summary>
public class GrpcServerTests(IntakeHost host) : IClassFixture<IntakeHost>
{
    private static readonly string StreamRegistrations = "/" + IntakeMethods.StreamRegistrations.FullName.TrimStart('/');

    private static ProfessionalRegistration Registration(string recordId, string nom = "DURAND") => new()
    {
        RecordId = recordId,
        Version = 1,
        Event = RegistrationEvent.Inscription,
        Rpps = "10000000008",
        Identity = new Identity { NomExercice = nom, Prenom = "LEA" },
        Exercise = new Exercise { Profession = "60", CategorieProfessionnelle = "C" },
    };

    private async Task<int> AuditCountAsync(string action, string outcome)
    {
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_events WHERE action = @action AND outcome = @outcome AND target = @target",
            new { action, outcome, target = StreamRegistrations });
    }

    private async Task<RpcException> RefusedAsync(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate)
    {
        using var channel = host.Channel(certificate);
        return await Assert.ThrowsAsync<RpcException>(() => channel.StreamAsync(IntakeMethods.StreamRegistrations, [Registration("refused-1")]));
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "none", "certificate-required" },
        { "other-ca", "certificate-untrusted" },
        { "card", "certificate-untrusted" },
        { "expired", "certificate-expired" },
        { "not-client-auth", "certificate-not-for-authentication" },
        { "unknown-ou", "intake-source-unknown" },
        { "same-ou-other-cn", "intake-source-unknown" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Refused_caller_gets_UNAUTHENTICATED_whose_message_starts_with_the_reason_and_is_audited(string caller, string reason)
    {
        var certificate = caller switch
        {
            "none" => null,
            "other-ca" => OtherCa(),
            "card" => host.Pki.Card(new DevPki.CardIdentity("810001234567", "MARTIN", "PAUL", 0, "9100000001", Profession: 60, Title: "Infirmier"),
                DevPki.CardCertificateUsage.Authentication),
            "expired" => GrpcChannels.Organisation(IntakeHost.OrdreIdNatStruct, IntakeHost.CertificateName,
                DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1)),
            // A signature certificate of the organisation: emailProtection, not clientAuth.
            "not-client-auth" => GrpcChannels.Organisation(IntakeHost.OrdreIdNatStruct, IntakeHost.CertificateName,
                extendedKeyUsage: "1.3.6.1.5.5.7.3.4", keyUsage: System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.NonRepudiation),
            "unknown-ou" => GrpcChannels.Organisation("3999999999", IntakeHost.CertificateName),
            // The Ordre's organisation, another of its certificates (an application server's): not configured for the source.
            "same-ou-other-cn" => GrpcChannels.Organisation(IntakeHost.OrdreIdNatStruct, "SERVEUR APPLICATIF"),
            _ => throw new ArgumentOutOfRangeException(nameof(caller)),
        };
        var before = await AuditCountAsync("authenticate", "refused:" + reason);

        var refusal = await RefusedAsync(certificate);

        Assert.Equal(StatusCode.Unauthenticated, refusal.StatusCode);
        Assert.StartsWith(reason, refusal.Status.Detail);
        Assert.Equal(before + 1, await AuditCountAsync("authenticate", "refused:" + reason));
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 OtherCa()
    {
        var root = DevPki.Pki.CreateRoot(DevPki.DemoPki.RootName);
        var ca = DevPki.Pki.CreateIntermediate(root, DevPki.DemoPki.OrganisationCaName);
        return DevPki.Pki.IssueOrganisation(ca, "ORDRE NATIONAL DES INFIRMIERS", IntakeHost.OrdreIdNatStruct, IntakeHost.CertificateName).WithPrivateKey();
    }

    [Fact]
    public async Task Source_calling_the_other_kinds_service_is_PERMISSION_DENIED_and_audited()
    {
        using var channel = host.Channel(GrpcChannels.Organisation(IntakeHost.ArsIdNatStruct, IntakeHost.CertificateName));
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        const string count = "SELECT count(*) FROM audit_events WHERE action = 'authorize' AND outcome = 'refused:intake-source-not-allowed'";
        var before = await connection.ExecuteScalarAsync<int>(count);

        var refusal = await Assert.ThrowsAsync<RpcException>(() => channel.StreamAsync(IntakeMethods.StreamRegistrations, [Registration("ars-1")]));

        Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
        Assert.StartsWith("intake-source-not-allowed", refusal.Status.Detail);
        Assert.Equal(before + 1, await connection.ExecuteScalarAsync<int>(count));
    }

    [Fact]
    public async Task Configured_certificate_of_the_source_streams_and_gets_one_ack_per_record()
    {
        using var channel = host.Channel(GrpcChannels.Organisation(IntakeHost.OrdreIdNatStruct, IntakeHost.CertificateName));

        var acks = await channel.StreamAsync(IntakeMethods.StreamRegistrations, [Registration("configured-1"), Registration("configured-2")]);

        Assert.Equal(["configured-1", "configured-2"], acks.Select(a => a.RecordId));
    }

    [Fact]
    public async Task Certificate_configured_by_serial_speaks_for_the_source_and_another_with_its_CN_does_not()
    {
        using (var channel = host.Channel(host.SerialOnly))
        {
            var acks = await channel.StreamAsync(IntakeMethods.StreamRegistrations, [Registration("serial-1")]);
            Assert.Equal("serial-1", Assert.Single(acks).RecordId);
        }

        var sameName = await RefusedAsync(GrpcChannels.Organisation(IntakeHost.OrdreIdNatStruct, host.SerialOnly.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false)));
        Assert.Equal(StatusCode.Unauthenticated, sameName.StatusCode);
        Assert.StartsWith("intake-source-unknown", sameName.Status.Detail);
    }

    [Fact]
    public async Task Gzip_message_that_inflates_past_the_receive_limit_is_RESOURCE_EXHAUSTED()
    {
        // 8 MB of one letter compresses to a few kilobytes: the frame passes the 64 KiB limit, its content does not.
        var bomb = Registration("bomb-1", new string('A', 8 * 1024 * 1024));
        using var channel = host.Channel(GrpcChannels.Organisation(IntakeHost.OrdreIdNatStruct, IntakeHost.CertificateName));

        var refusal = await Assert.ThrowsAsync<RpcException>(() =>
            channel.StreamAsync(IntakeMethods.StreamRegistrations, [bomb], new Metadata { { "grpc-internal-encoding-request", "gzip" } }));

        Assert.Equal(StatusCode.ResourceExhausted, refusal.StatusCode);
    }

    [Fact]
    public async Task Gzip_message_within_the_receive_limit_is_accepted()
    {
        using var channel = host.Channel(GrpcChannels.Organisation(IntakeHost.OrdreIdNatStruct, IntakeHost.CertificateName));

        var acks = await channel.StreamAsync(IntakeMethods.StreamRegistrations, [Registration("gzip-1")], new Metadata { { "grpc-internal-encoding-request", "gzip" } });

        Assert.Equal("gzip-1", Assert.Single(acks).RecordId);
    }

    [Fact]
    public async Task Health_knows_the_server_and_every_intake_service_and_no_other()
    {
        using var channel = host.Channel(null);
        var health = new global::Grpc.Health.V1.Health.HealthClient(channel);

        foreach (var service in new[] { "", "grpc.health.v1.Health" }.Concat(IntakeHosting.ServiceNames))
        {
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = service })).Status);
        }

        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await health.CheckAsync(new HealthCheckRequest { Service = "cpx.intake.v1.Nothing" }));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Health_service_keeps_Kestrels_body_limits_that_the_intake_streams_lift()
    {
        using (var channel = host.Channel(null))
        {
            await new global::Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
        }

        using (var channel = host.Channel(GrpcChannels.Organisation(IntakeHost.OrdreIdNatStruct, IntakeHost.CertificateName)))
        {
            await channel.StreamAsync(IntakeMethods.StreamRegistrations, [Registration("limits-1")]);
        }

        var health = host.Limits.ByPath["/grpc.health.v1.Health/Check"];
        var intake = host.Limits.ByPath["/cpx.intake.v1.OrdreIntake/StreamRegistrations"];
        Assert.Equal(new Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits().MaxRequestBodySize, health.MaxRequestBodySize);
        Assert.Null(intake.MaxRequestBodySize);
    }

    [Fact]
    public async Task Reflection_lists_the_intake_health_and_reflection_services()
    {
        using var channel = host.Channel(null);
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        Assert.Contains("cpx.intake.v1.OrdreIntake", services);
        Assert.Contains("cpx.intake.v1.ArsIntake", services);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Contains("grpc.reflection.v1alpha.ServerReflection", services);
        Assert.Contains("grpc.reflection.v1.ServerReflection", services);
    }

    [Fact]
    public async Task Reflection_describes_the_intake_contract_by_symbol()
    {
        using var channel = host.Channel(null);
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "cpx.intake.v1.OrdreIntake" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());

        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(bytes => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(bytes)).ToList();

        Assert.Contains(files, f => f.Package == "cpx.intake.v1" && f.Service.Any(s => s.Name == "OrdreIntake" && s.Method.Any(m => m.Name == "StreamRegistrations")));
    }
}
