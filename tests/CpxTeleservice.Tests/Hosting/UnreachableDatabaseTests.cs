using System.Net;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Hosting;

/// <summary>
/// A service whose PostgreSQL does not answer: not ready, live, and a request that needs the database
/// (a card's, whose registry entry cannot be read) is a 503 problem with Retry-After and nothing of the error.
/// </summary>
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
    public async Task A_card_request_while_PostgreSQL_does_not_answer_is_a_503_database_unavailable_problem_with_Retry_After_and_no_stack_trace()
    {
        using var client = host.CreateClient(Registry.NewStaffCard());
        using var response = await client.GetAsync("/api/v1/me");
        Assert.True(response.Content.Headers.ContentType is not null, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(TimeSpan.FromSeconds(DatabaseOutage.RetryAfterSeconds), response.Headers.RetryAfter?.Delta);
        var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.ServiceUnavailable, ProblemTypes.DatabaseUnavailable);
        var body = problem.GetRawText();
        Assert.DoesNotContain("Npgsql", body);
        Assert.DoesNotContain("   at ", body);
        Assert.False(problem.TryGetProperty("exception", out _));
    }
}
