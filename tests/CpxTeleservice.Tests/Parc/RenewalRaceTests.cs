using System.Net.Http.Json;
using CpxTeleservice.Parc;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.Parc;

/// <summary>The automatic renewal and an opposition made while it runs: the opposition wins, on the card's row.</summary>
public class RenewalRaceTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task A_card_opposed_after_the_renewal_job_read_it_gets_no_live_renewal()
    {
        var structure = await _world.StructureAsync();
        var db = host.Database.DataSource;
        var cardId = await Registry.AddCardAsync(db, Registry.NewProfessionalCard(), "CPS", structure.StructureId, validUntil: DateTimeOffset.UtcNow.AddDays(20));
        var job = host.Services.GetRequiredService<RenewalJob>();
        var opposed = false;
        job.AfterCandidatesRead = async _ =>
        {
            // The card is stolen between the job's read and its write.
            if (!opposed)
            {
                opposed = true;
                using var opposition = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cards/{cardId}/opposition") { Content = JsonContent.Create(new { reason = "stolen" }) };
                opposition.Headers.TryAddWithoutValidation("If-Match", "*");
                await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.SendAsync(opposition));
            }
        };
        try
        {
            await job.RunOnceAsync(CancellationToken.None);
        }
        finally
        {
            job.AfterCandidatesRead = null;
        }

        Assert.True(opposed);
        await using var connection = await db.OpenConnectionAsync();
        Assert.Equal("opposition", await connection.ExecuteScalarAsync<string>("SELECT state FROM cards WHERE id = @cardId", new { cardId }));
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE replaces_card_id = @cardId AND kind = 'renewal' AND state NOT IN ('cancelled', 'rejected')", new { cardId }));
    }

    [Fact]
    public async Task A_card_still_active_when_the_renewal_job_writes_gets_its_renewal()
    {
        var structure = await _world.StructureAsync();
        var db = host.Database.DataSource;
        var cardId = await Registry.AddCardAsync(db, Registry.NewProfessionalCard(), "CPS", structure.StructureId, validUntil: DateTimeOffset.UtcNow.AddDays(20));
        await host.Services.GetRequiredService<RenewalJob>().RunOnceAsync(CancellationToken.None);

        await using var connection = await db.OpenConnectionAsync();
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE replaces_card_id = @cardId AND kind = 'renewal' AND state = 'submitted'", new { cardId }));
    }
}
