using System.Net;
using System.Net.Http.Json;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;

namespace CpxTeleservice.Tests.Structures;

/// <summary>
/// Mandates that end by themselves: a designation may carry an end, and the mandate stops authorising at
/// that instant, with no job (every rights query compares the end with its own time, migration 009).
/// </summary>
public class MandateEndTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task A_mandate_with_an_end_authorises_until_that_instant_is_listed_with_it_and_is_refused_after_it()
    {
        var structure = await _world.StructureAsync();
        var card = Registry.NewStaffCard(structure.Finess, "TEMPORAIRE");
        await _world.RegisterCardAsync(card, "CPE", structure.StructureId);
        var mandataires = $"/api/v1/structures/{structure.StructureId}/mandataires";
        // Long enough for the requests below to be answered before it under a loaded CI machine.
        var endsAt = DateTimeOffset.UtcNow.AddSeconds(10);
        var designated = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync(mandataires, new { idNat = card.IdNat, endsAt }),
            HttpStatusCode.Created);
        Assert.Equal(endsAt.UtcDateTime, designated.GetProperty("endsAt").GetDateTime(), TimeSpan.FromMilliseconds(1));
        using var mandataire = host.CreateClient(card);

        // Before the end: listed with its end, acting for the structure.
        var listed = Assert.Single((await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync(mandataires))).EnumerateArray());
        Assert.Equal(card.IdNat, listed.GetProperty("idNat").GetString());
        Assert.Equal(endsAt.UtcDateTime, listed.GetProperty("endsAt").GetDateTime(), TimeSpan.FromMilliseconds(1));
        await HttpAssert.JsonAsync(await World.OrderAsync(mandataire, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created);
        Assert.True(DateTimeOffset.UtcNow < endsAt, "the requests before the end took longer than the mandate: the test proves nothing");

        // After the end, with nothing run in between: refused, no longer listed, no role in /me.
        var wait = endsAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(300);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        await HttpAssert.ProblemAsync(await World.OrderAsync(mandataire, structure.StructureId, World.CpeOrder()), HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await HttpAssert.ProblemAsync(await mandataire.GetAsync($"/api/v1/structures/{structure.StructureId}/orders"), HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        Assert.Empty((await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync(mandataires))).EnumerateArray());
        Assert.Empty((await HttpAssert.JsonAsync(await mandataire.GetAsync("/api/v1/me"))).GetProperty("structures").EnumerateArray());
        // An ended mandate is not revoked again, and the person may be designated anew.
        await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.DeleteAsync($"{mandataires}/{Uri.EscapeDataString(card.IdNat)}"),
            HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync(mandataires, new { idNat = card.IdNat }), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await World.OrderAsync(mandataire, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_mandate_ends_at_an_instant_to_come_that_its_form_can_print()
    {
        var structure = await _world.StructureAsync();
        var card = Registry.NewStaffCard(structure.Finess);
        await _world.RegisterCardAsync(card, "CPE", structure.StructureId);
        foreach (var endsAt in new[] { DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.MaxValue })
        {
            var problem = await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync(
                    $"/api/v1/structures/{structure.StructureId}/mandataires", new { idNat = card.IdNat, endsAt }),
                HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
            Assert.True(problem.GetProperty("errors").TryGetProperty("endsAt", out _));
        }
    }

    [Fact]
    public async Task caller_structures_compares_the_end_of_a_mandate_with_the_time_of_the_query()
    {
        var structure = await _world.StructureAsync();
        var db = host.Database.DataSource;
        var representative = await Registry.PersonIdAsync(db, structure.LegalRepresentative.IdNat);
        var ended = Registry.NewStaffCard(structure.Finess);
        var running = Registry.NewStaffCard(structure.Finess);
        await using var connection = await db.OpenConnectionAsync();
        foreach (var (card, endsIn) in new[] { (ended, TimeSpan.FromHours(-1)), (running, TimeSpan.FromHours(1)) })
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO mandataires (id, structure_id, person_id, designated_by, designated_at, ends_at)
                VALUES (gen_random_uuid(), @StructureId, @person, @representative, now() - interval '2 hours', now() + @endsIn)
                """, new { structure.StructureId, person = await Registry.AddPersonAsync(db, card), representative, endsIn });
        }

        Assert.Empty(await connection.QueryAsync<string>("SELECT role FROM caller_structures(@IdNat)", new { ended.IdNat }));
        Assert.Equal(new[] { "mandataire" }, await connection.QueryAsync<string>("SELECT role FROM caller_structures(@IdNat)", new { running.IdNat }));
    }
}
