using System.Net;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Api;

/// <summary>Errors are RFC 9457 problems everywhere, and health is reported without a certificate.</summary>
public class ProblemDetailsTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    [Fact]
    public async Task Unknown_route_is_a_404_problem()
    {
        using var client = host.CreateClient(ServiceHost.Operator);
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/nothing-here"), HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task Wrong_method_is_a_405_problem()
    {
        using var client = host.CreateClient(ServiceHost.Operator);
        await HttpAssert.ProblemAsync(await client.DeleteAsync("/api/v1/me"), HttpStatusCode.MethodNotAllowed, ProblemTypes.MethodNotAllowed);
    }

    [Fact]
    public async Task Problems_carry_the_request_id()
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        var problem = await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateRequired);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("requestId").GetString()));
    }

    [Fact]
    public async Task Liveness_and_readiness_answer_without_a_certificate()
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        Assert.Equal("live", (await HttpAssert.JsonAsync(await client.GetAsync("/health/live"))).GetProperty("status").GetString());
        Assert.Equal("ready", (await HttpAssert.JsonAsync(await client.GetAsync("/health/ready"))).GetProperty("status").GetString());
    }
}

/// <summary>A service whose PostgreSQL does not answer: not ready, and its failures are bare 500 problems.</summary>
public sealed class UnreachableDatabaseHost : ServiceHost
{
    public UnreachableDatabaseHost()
    {
        With("ConnectionStrings:Postgres", "Host=127.0.0.1;Port=1;Username=nobody;Database=none;Timeout=2");
        With("Database:MigrateOnStartup", "false");
    }
}

public class UnreachableDatabaseTests(UnreachableDatabaseHost host) : IClassFixture<UnreachableDatabaseHost>
{
    [Fact]
    public async Task Readiness_is_a_503_problem_when_PostgreSQL_does_not_answer()
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        await HttpAssert.ProblemAsync(await client.GetAsync("/health/ready"), HttpStatusCode.ServiceUnavailable, ProblemTypes.Prefix + "not-ready");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Liveness_does_no_card_work_even_when_a_card_certificate_is_presented()
    {
        // The registry is unreachable: a card lookup on /health/live would fail the probe.
        using var client = host.CreateClient(Registry.NewStaffCard());
        Assert.Equal("live", (await HttpAssert.JsonAsync(await client.GetAsync("/health/live"))).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Unhandled_exception_is_a_500_problem_without_a_stack_trace()
    {
        using var client = host.CreateClient(Registry.NewStaffCard());
        using var response = await client.GetAsync("/api/v1/me");
        Assert.True(response.Content.Headers.ContentType is not null, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.InternalServerError, ProblemTypes.Internal);
        var body = problem.GetRawText();
        Assert.DoesNotContain("Npgsql", body);
        Assert.DoesNotContain("   at ", body);
        Assert.False(problem.TryGetProperty("exception", out _));
    }
}
