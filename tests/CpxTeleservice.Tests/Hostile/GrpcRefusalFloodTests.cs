using System.Net;
using System.Net.Http.Headers;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.Hostile;

/// <summary>
/// Refused intake calls go through the same bound as refused REST requests (README, "Limits"): per client
/// address and reason, ten audit rows a window, then one row carrying the count.
/// </summary>
public class GrpcRefusalFloodTests(UnthrottledIntakeHost host) : IClassFixture<UnthrottledIntakeHost>
{
    private const int Flood = 2000;

    [Fact]
    public async Task Two_thousand_certificate_less_intake_calls_are_UNAUTHENTICATED_and_leave_a_bounded_number_of_audit_rows_that_count_every_one()
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Flood), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/cpx.intake.v1.OrdreIntake/StreamRegistrations")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent([0, 0, 0, 0, 0]),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
            using var response = await client.SendAsync(request, ct);
            await response.Content.ReadAsByteArrayAsync(ct);
            var status = response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.Single()
                : response.Headers.TryGetValues("grpc-status", out var header) ? header.Single() : $"HTTP {(int)response.StatusCode}";
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
        });
        Assert.Equal(Flood, Assert.Contains("16", statuses)); // UNAUTHENTICATED, every one

        // The windows' counts are written when a window ends; the test closes them now.
        await host.Services.GetRequiredService<RefusalAudit>().FlushAsync(all: true);

        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        var (rows, occurrences) = await connection.QuerySingleAsync<(long Rows, long Occurrences)>(
            "SELECT count(*), coalesce(sum(occurrences), 0) FROM audit_events WHERE action = 'authenticate' AND outcome = 'refused:certificate-required'");
        Assert.Equal(Flood, occurrences);
        // Ten rows one by one and one count, per window; the flood may straddle two windows.
        Assert.InRange(rows, 2, 2 * (10 + 1));
    }
}
