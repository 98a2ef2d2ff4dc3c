using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpxTeleservice.Events;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.Events;

/// <summary>
/// A mandate that reaches its end announces <c>mandate.ended</c> (reason <c>expired</c>) once, after its
/// designation, at the next ended-mandates pass, however many passes run and on however many instances;
/// a mandate revoked before its end announces only its revocation (migration 011).
/// </summary>
public class MandateEndEventsTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    private EndedMandatesJob Job => host.Services.GetRequiredService<EndedMandatesJob>();

    [Fact]
    public async Task A_mandate_past_its_end_announces_mandate_ended_once_after_its_designation_however_many_passes_run_at_once()
    {
        var structure = await _world.StructureAsync();
        var ending = await DesignateAsync(structure, DateTimeOffset.UtcNow.AddHours(1));
        var running = await DesignateAsync(structure, DateTimeOffset.UtcNow.AddHours(1));
        var endsAt = await EndNowAsync(structure.StructureId, ending);

        // Two instances' passes at once, then more passes.
        await Task.WhenAll(Job.RunOnceAsync(CancellationToken.None), Job.RunOnceAsync(CancellationToken.None));
        await Job.RunOnceAsync(CancellationToken.None);

        var events = await MandateEventsAsync(structure);
        var ended = Assert.Single(events, e => Type(e) == "mandate.ended");
        var data = ended.GetProperty("data");
        Assert.Equal(ending, data.GetProperty("idNat").GetString());
        Assert.Equal("expired", data.GetProperty("reason").GetString());
        Assert.Equal(endsAt, Instant(data.GetProperty("endedAt")), TimeSpan.FromMilliseconds(1));
        Assert.Equal(endsAt, Instant(ended.GetProperty("occurredAt")), TimeSpan.FromMilliseconds(1));
        // After its designation, in the same resource; the running mandate announces nothing more.
        var resource = ended.GetProperty("resource").GetString();
        Assert.Equal(["mandate.designated", "mandate.ended"], events.Where(e => e.GetProperty("resource").GetString() == resource).Select(Type));
        Assert.Equal(["mandate.designated"], events.Where(e => e.GetProperty("data").GetProperty("idNat").GetString() == running).Select(Type));

        // Another pass later still writes nothing for it.
        await Job.RunOnceAsync(CancellationToken.None);
        Assert.Single(await MandateEventsAsync(structure), e => Type(e) == "mandate.ended");
    }

    [Fact]
    public async Task A_mandate_revoked_before_its_end_announces_no_mandate_ended_when_the_end_passes()
    {
        var structure = await _world.StructureAsync();
        var revoked = await DesignateAsync(structure, DateTimeOffset.UtcNow.AddHours(1));
        using (var revocation = await structure.LegalRepresentativeClient.DeleteAsync(
                   $"/api/v1/structures/{structure.StructureId}/mandataires/{Uri.EscapeDataString(revoked)}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revocation.StatusCode);
        }

        await EndNowAsync(structure.StructureId, revoked);

        await Job.RunOnceAsync(CancellationToken.None);

        Assert.Equal(["mandate.designated", "mandate.revoked"], (await MandateEventsAsync(structure)).Select(Type));
    }

    [Fact]
    public async Task A_mandate_past_its_end_and_designated_again_before_any_pass_announces_mandate_ended_not_revoked()
    {
        var structure = await _world.StructureAsync();
        var idNat = await DesignateAsync(structure, DateTimeOffset.UtcNow.AddHours(1));
        await EndNowAsync(structure.StructureId, idNat);

        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync(
            $"/api/v1/structures/{structure.StructureId}/mandataires", new { idNat }), HttpStatusCode.Created);
        await Job.RunOnceAsync(CancellationToken.None);

        var events = await MandateEventsAsync(structure);
        Assert.Equal(["mandate.designated", "mandate.ended", "mandate.designated"], events.Select(Type));
        Assert.Equal("expired", events[1].GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal(events[0].GetProperty("resource").GetString(), events[1].GetProperty("resource").GetString());
    }

    [Fact]
    public async Task A_departure_after_the_end_of_a_mandate_announces_it_expired_at_its_end_not_ended_by_the_departure()
    {
        var structure = await _world.StructureAsync();
        var (leaver, _) = await _world.MandataireAsync(structure);
        var endsAt = await EndNowAsync(structure.StructureId, leaver.IdNat);

        using var departure = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/structures/{structure.StructureId}/departures")
        {
            Content = JsonContent.Create(new { idNat = leaver.IdNat }),
        };
        departure.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var body = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.SendAsync(departure));
        Assert.False(body.GetProperty("mandateEnded").GetBoolean());
        await Job.RunOnceAsync(CancellationToken.None);

        var ended = Assert.Single(await MandateEventsAsync(structure), e => Type(e) == "mandate.ended");
        Assert.Equal("expired", ended.GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal(endsAt, Instant(ended.GetProperty("data").GetProperty("endedAt")), TimeSpan.FromMilliseconds(1));
    }

    private static string? Type(JsonElement e) => e.GetProperty("type").GetString();

    private static DateTime Instant(JsonElement e) => e.GetDateTimeOffset().UtcDateTime;

    [Fact]
    public async Task A_mandates_events_carry_its_end_and_a_designation_without_one_says_null()
    {
        var structure = await _world.StructureAsync();
        var endsAt = DateTimeOffset.UtcNow.AddDays(30);
        var ending = await DesignateAsync(structure, endsAt);
        var open = Registry.NewStaffCard(structure.Finess, "SANSFIN");
        await _world.RegisterCardAsync(open, "CPE", structure.StructureId);
        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync(
            $"/api/v1/structures/{structure.StructureId}/mandataires", new { idNat = open.IdNat }), HttpStatusCode.Created);

        var designated = (await MandateEventsAsync(structure)).Where(e => Type(e) == "mandate.designated").ToList();
        var withEnd = Assert.Single(designated, e => e.GetProperty("data").GetProperty("idNat").GetString() == ending).GetProperty("data");
        Assert.Equal(endsAt.UtcDateTime, Instant(withEnd.GetProperty("endsAt")), TimeSpan.FromMilliseconds(1));
        var withoutEnd = Assert.Single(designated, e => e.GetProperty("data").GetProperty("idNat").GetString() == open.IdNat).GetProperty("data");
        Assert.Equal(JsonValueKind.Null, withoutEnd.GetProperty("endsAt").ValueKind);
    }

    /// <summary>A staff card of the structure designated mandataire with an end; its IdNat.</summary>
    private async Task<string> DesignateAsync(World.StructureActors structure, DateTimeOffset endsAt)
    {
        var card = Registry.NewStaffCard(structure.Finess, "MANDATAIRE");
        await _world.RegisterCardAsync(card, "CPE", structure.StructureId);
        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync(
            $"/api/v1/structures/{structure.StructureId}/mandataires", new { idNat = card.IdNat, endsAt }), HttpStatusCode.Created);
        return card.IdNat;
    }

    /// <summary>Moves the end of the person's designation to just after it was made, so that it has passed; returns the new end.</summary>
    private async Task<DateTime> EndNowAsync(Guid structureId, string idNat)
    {
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<DateTime>(
            """
            UPDATE mandataires m SET ends_at = m.designated_at + interval '1 millisecond'
            FROM persons p
            WHERE p.id = m.person_id AND p.id_nat = @idNat AND m.structure_id = @structureId
            RETURNING m.ends_at
            """, new { idNat, structureId });
    }

    private static async Task<List<JsonElement>> MandateEventsAsync(World.StructureActors structure) =>
        (await EventFeed.ReadAllAsync(structure.LegalRepresentativeClient, structure.StructureId, limit: 100)).Events
            .Where(e => Type(e)!.StartsWith("mandate.", StringComparison.Ordinal)).ToList();
}
