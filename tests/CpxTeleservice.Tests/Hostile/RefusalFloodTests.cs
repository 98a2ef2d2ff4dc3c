using System.Net;
using CpxTeleservice.Security;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.Hostile;

/// <summary>A host whose per-address rate limit lets the whole flood through to authentication.</summary>
public sealed class UnthrottledHost : ServiceHost
{
    public UnthrottledHost() => With("Limits:RequestsPerSecondPerAddress", "1000000");
}

/// <summary>
/// Refused authentications are audited and counted, but a stranger cannot grow the audit trail without
/// bound (README, "Limits"): per source and reason, ten rows a minute, then one row carrying the count.
/// </summary>
public class RefusalFloodTests(UnthrottledHost host) : IClassFixture<UnthrottledHost>
{
    private const int Flood = 2000;

    [Fact]
    public async Task Two_thousand_certificate_less_requests_leave_a_bounded_number_of_audit_rows_that_count_every_one()
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Flood), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            using var response = await client.GetAsync($"/api/v1/me?attempt={i}", ct);
            statuses.Add(response.StatusCode);
        });
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.Unauthorized, status));

        // The windows' counts are written when a window ends; the test closes them now.
        await host.Services.GetRequiredService<RefusalAudit>().FlushAsync(all: true);

        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        var (rows, occurrences) = await connection.QuerySingleAsync<(long Rows, long Occurrences)>(
            "SELECT count(*), coalesce(sum(occurrences), 0) FROM audit_events WHERE action = 'authenticate' AND outcome = 'refused:certificate-required'");
        Assert.Equal(Flood, occurrences);
        // Ten rows one by one and one count, per window; the flood may straddle two windows.
        Assert.InRange(rows, 2, 2 * (10 + 1));
    }

    [Fact]
    public void Caller_chosen_text_is_cut_to_a_bounded_excerpt_without_control_characters()
    {
        var excerpt = RefusalAudit.Excerpt("GET /api/v1/" + new string('A', 5000) + "\0\u0007", 256)!;
        Assert.Equal(257, excerpt.Length); // 256 characters and the ellipsis
        Assert.EndsWith("…", excerpt);
        Assert.Equal("a\uFFFDb\uFFFD", RefusalAudit.Excerpt("a\0b\uD800", 256));
    }

    [Fact]
    public void Refusals_are_counted_by_client_address_and_an_IPv6_address_by_its_64_bit_prefix()
    {
        Assert.Equal("192.0.2.7", RefusalAudit.SourceOf(IPAddress.Parse("::ffff:192.0.2.7")));
        Assert.Equal(RefusalAudit.SourceOf(IPAddress.Parse("2001:db8:1:2:aaaa::1")), RefusalAudit.SourceOf(IPAddress.Parse("2001:db8:1:2:bbbb::9")));
        Assert.Equal("2001:db8:1:2::/64", RefusalAudit.SourceOf(IPAddress.Parse("2001:db8:1:2:aaaa::1")));
    }
}
