using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Admin;

/// <summary>
/// The dated profession catalogue, managed without a release: an operator adds a row from a date, audited,
/// and the structures' orders follow it. The nurses' move from ADELI to RPPS is entered on 8 October 2021,
/// the date PAPS Centre-Val de Loire gives (SOFIA gives 28 October; docs/domain.md lists both): the earlier one,
/// from which the ARS no longer registers nurses. Its own host: the change must not reach other tests' orders.
/// </summary>
public class ProfessionCatalogueChangeTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private const string NursesMove = "2021-10-08";
    private const string Oni = "l'Ordre national des infirmiers";

    private readonly World _world = new(host);

    [Fact]
    public async Task The_nurses_move_to_RPPS_entered_by_an_operator_turns_a_nurse_CPS_order_from_awaiting_the_visa_to_the_Ordre()
    {
        var structure = await _world.StructureAsync();
        // The seed's April 2021 catalogue, the default: a nurse is ADELI, the structure orders the CPS and it waits for the ARS visa.
        var before = await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder("60", adeli: "751234567")),
            HttpStatusCode.Created);
        Assert.Equal("awaiting-visa", before.GetProperty("state").GetString());

        var created = await _world.Operator.PostAsJsonAsync("/api/v1/admin/professions/60/changes", new { from = NursesMove, channel = "rpps", registeredBy = Oni });
        var profession = await HttpAssert.JsonAsync(created, HttpStatusCode.Created);
        Assert.Equal("/api/v1/admin/professions/60", created.Headers.Location?.OriginalString);
        var periods = profession.GetProperty("periods").EnumerateArray().ToList();
        Assert.Equal(2, periods.Count);
        AssertPeriod(periods[0], "2021-04-01", NursesMove, "adeli", recordedBy: null);
        AssertPeriod(periods[1], NursesMove, null, "rpps", ServiceHost.Operator.IdNat);
        Assert.Equal("Infirmier", periods[1].GetProperty("label").GetString());
        Assert.Equal(Oni, periods[1].GetProperty("registeredBy").GetString());

        // The same order now, after that date: refused, and sent to the Ordre the catalogue names.
        var refused = await HttpAssert.ProblemAsync(
            await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder("60", adeli: "751234568")),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.CpsRppsThroughOrdre);
        Assert.Contains(Oni, refused.GetProperty("detail").GetString());
        // The order placed before keeps what it was; other professions are untouched.
        var earlier = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/orders/{before.GetProperty("id").GetGuid()}"));
        Assert.Equal("awaiting-visa", earlier.GetProperty("state").GetString());
        await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder("91", adeli: "751234569")),
            HttpStatusCode.Created);

        // Read back, and audited in the service-wide audit.
        var read = await HttpAssert.JsonAsync(await _world.Operator.GetAsync("/api/v1/admin/professions/60"));
        Assert.Equal(profession.GetRawText(), read.GetRawText());
        var audit = await HttpAssert.JsonAsync(await _world.Operator.GetAsync("/api/v1/admin/audit"));
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e =>
            e.GetProperty("action").GetString() == "AddProfessionChange" && e.GetProperty("target").GetString() == "profession 60"
            && e.GetProperty("outcome").GetString() == "ok" && e.GetProperty("detail").GetString() == $"from {NursesMove}: rpps");
    }

    [Fact]
    public async Task A_change_between_two_dated_rows_ends_where_the_next_row_starts_and_a_second_change_on_a_day_is_a_conflict()
    {
        // Diététiciens (95): RPPS from 14 March 2024 (docs/domain.md); then, entered after it, not issued from 2022.
        await HttpAssert.JsonAsync(await _world.Operator.PostAsJsonAsync("/api/v1/admin/professions/95/changes", new { from = "2024-03-14", channel = "rpps", registeredBy = "l'ARS" }),
            HttpStatusCode.Created);
        var profession = await HttpAssert.JsonAsync(await _world.Operator.PostAsJsonAsync("/api/v1/admin/professions/95/changes", new { from = "2022-01-01", channel = "not-issued" }),
            HttpStatusCode.Created);
        var periods = profession.GetProperty("periods").EnumerateArray().ToList();
        Assert.Equal(3, periods.Count);
        AssertPeriod(periods[0], "2021-04-01", "2022-01-01", "adeli", null);
        AssertPeriod(periods[1], "2022-01-01", "2024-03-14", "not-issued", ServiceHost.Operator.IdNat);
        AssertPeriod(periods[2], "2024-03-14", null, "rpps", ServiceHost.Operator.IdNat);
        // Unset fields keep what the row in force said: diététiciens stay salaried-only.
        Assert.All(periods, p => Assert.True(p.GetProperty("salariedOnly").GetBoolean()));

        await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync("/api/v1/admin/professions/95/changes", new { from = "2022-01-01", channel = "adeli" }),
            HttpStatusCode.Conflict, ProblemTypes.ProfessionChangeExists);
    }

    [Fact]
    public async Task A_profession_the_catalogue_lacks_is_added_with_its_label_and_malformed_changes_are_validation_problems()
    {
        var added = await HttpAssert.JsonAsync(await _world.Operator.PostAsJsonAsync("/api/v1/admin/professions/L09/changes",
            new { from = "2025-01-01", channel = "adeli", label = "Conseiller en génétique", salariedOnly = true }), HttpStatusCode.Created);
        AssertPeriod(Assert.Single(added.GetProperty("periods").EnumerateArray()), "2025-01-01", null, "adeli", ServiceHost.Operator.IdNat);

        async Task Invalid(string code, object body, string field)
        {
            var problem = await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync($"/api/v1/admin/professions/{code}/changes", body),
                HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error on {field}: {problem}");
        }

        await Invalid("L10", new { from = "2025-01-01", channel = "adeli" }, "label");
        await Invalid("60", new { from = "2025-01-01", channel = "ordre" }, "channel");
        await Invalid("60", new { channel = "rpps" }, "from");
        await Invalid("60", new { from = "2025-01-01", channel = "adeli", registeredBy = "l'ARS" }, "registeredBy");
        await Invalid("sixty", new { from = "2025-01-01", channel = "adeli" }, "code");
        await HttpAssert.ProblemAsync(await _world.Operator.GetAsync("/api/v1/admin/professions/L10"), HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task Only_an_operator_changes_the_catalogue()
    {
        var structure = await _world.StructureAsync();
        await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync("/api/v1/admin/professions/60/changes", new { from = NursesMove, channel = "rpps" }),
            HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.GetAsync("/api/v1/admin/professions/60"), HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
    }

    private static void AssertPeriod(JsonElement period, string from, string? until, string channel, string? recordedBy)
    {
        Assert.Equal(from, period.GetProperty("validFrom").GetString());
        Assert.Equal(until, period.GetProperty("validUntil").GetString());
        Assert.Equal(channel, period.GetProperty("channel").GetString());
        Assert.Equal(recordedBy, period.GetProperty("recordedBy").GetString());
    }
}
