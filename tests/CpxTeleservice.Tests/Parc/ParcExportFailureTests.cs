using System.Net;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;

namespace CpxTeleservice.Tests.Parc;

/// <summary>A CSV export that fails once its 200 is sent ends as a failed download, never as a file that looks complete.</summary>
public class ParcExportFailureTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Theory]
    [InlineData("2.0")]
    [InlineData("1.1")]
    public async Task A_CSV_export_whose_database_read_fails_midway_is_aborted_not_ended_cleanly(string version)
    {
        var structure = await _world.StructureAsync();
        var db = host.Database.DataSource;
        await using (var connection = await db.OpenConnectionAsync())
        {
            // Enough rows that the export is still reading from PostgreSQL when its backend is terminated.
            await connection.ExecuteAsync(
                """
                INSERT INTO cards (id, card_type, serial, holder_id, structure_id, state, valid_from, valid_until)
                SELECT gen_random_uuid(), 'CPE', @prefix || lpad(g::text, 8, '0'), s.legal_representative_id, s.id, 'active', now(), now() + interval '3 years'
                FROM structures s, generate_series(1, 150000) g WHERE s.id = @structureId
                """, new { structureId = structure.StructureId, prefix = version == "2.0" ? "62" : "63" }, commandTimeout: 120);
        }

        using var client = host.CreateClient(host.Pki.Card(structure.LegalRepresentative, CpxTeleservice.DevPki.CardCertificateUsage.Authentication), new Version(version));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/structures/{structure.StructureId}/cards");
        request.Headers.Accept.ParseAdd("text/csv");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[8192];
        Assert.True(await body.ReadAsync(buffer) > 0);

        await TerminateExportBackendAsync();

        var failed = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            while (await body.ReadAsync(buffer) > 0)
            {
            }
        });
        Assert.True(failed is IOException or HttpRequestException, failed.ToString());
    }

    /// <summary>The backend running the export's query, terminated as a crash or a failover would.</summary>
    private async Task TerminateExportBackendAsync()
    {
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var terminated = await connection.ExecuteScalarAsync<int>(
                """
                SELECT count(*) FROM (
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%caller_structures(%' AND query LIKE '%ORDER BY id LIMIT%'
                      AND state = 'active') t
                """);
            if (terminated > 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("The export's query was not seen running.");
    }
}
