using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;

namespace CpxTeleservice.Tests.Database;

/// <summary>The profession catalogue is dated reference data (domain.md): a policy change is a new row from a date, never a code change.</summary>
public class ProfessionCatalogueTests
{
    [Fact]
    public async Task A_profession_moving_from_ADELI_to_RPPS_is_a_new_dated_row_and_orders_follow_the_date()
    {
        await using var db = await TestDatabase.CreateMigratedAsync();
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            """
            UPDATE professions SET valid_until = '2030-01-01' WHERE code = '60' AND valid_until IS NULL;
            INSERT INTO professions (code, label, valid_from, register, issuable, salaried_only, cpf_eligible)
            VALUES ('60', 'Infirmier', '2030-01-01', 'RPPS', true, false, false);
            """);

        var before = await ProfessionCatalogue.FindAsync(connection, null, "60", new DateOnly(2029, 12, 31), CancellationToken.None);
        var after = await ProfessionCatalogue.FindAsync(connection, null, "60", new DateOnly(2030, 1, 1), CancellationToken.None);
        Assert.Equal("ADELI", before!.Register);
        Assert.Equal("RPPS", after!.Register);

        OrderFacts Cps(Profession? p) => new("CPS", true, false, "60", p, "S");
        Assert.Equal("awaiting-visa", OrderRules.Evaluate(Cps(before)).InitialState);
        Assert.Equal(ProblemTypes.CpsRppsThroughOrdre, OrderRules.Evaluate(Cps(after)).ProblemType);
    }

    [Fact]
    public async Task An_order_follows_the_catalogue_row_in_force_on_its_day_in_Paris_the_nurses_move_to_RPPS_on_8_October_2021()
    {
        await using var db = await TestDatabase.CreateMigratedAsync();
        await using var connection = await db.DataSource.OpenConnectionAsync();
        // The change an operator enters (8 October 2021, PAPS Centre-Val de Loire; SOFIA says 28 October), through the catalogue's one writer.
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            Assert.True(await ProfessionCatalogue.AddChangeAsync(connection, transaction,
                new ProfessionChange("60", "Infirmier", new DateOnly(2021, 10, 8), "RPPS", true, false, false, "l'Ordre national des infirmiers"), "operator", CancellationToken.None));
            await transaction.CommitAsync();
        }

        // The last instant of 7 October and the first of 8 October in Paris (summer time, UTC+2).
        var lastAdeliInstant = new DateTimeOffset(2021, 10, 7, 21, 59, 59, TimeSpan.Zero);
        var firstRppsInstant = new DateTimeOffset(2021, 10, 7, 22, 0, 0, TimeSpan.Zero);
        var before = await ProfessionCatalogue.FindAtAsync(connection, null, "60", lastAdeliInstant, CancellationToken.None);
        var after = await ProfessionCatalogue.FindAtAsync(connection, null, "60", firstRppsInstant, CancellationToken.None);
        var seed = await ProfessionCatalogue.FindAtAsync(connection, null, "60", new DateTimeOffset(2021, 4, 1, 12, 0, 0, TimeSpan.Zero), CancellationToken.None);
        Assert.Equal("ADELI", before!.Register);
        Assert.Equal("RPPS", after!.Register);
        Assert.Equal("ADELI", seed!.Register);
        Assert.Equal("RPPS", (await ProfessionCatalogue.FindAtAsync(connection, null, "60", null, CancellationToken.None))!.Register);

        OrderFacts Cps(Profession? p) => new("CPS", true, false, "60", p, "S");
        Assert.Equal("awaiting-visa", OrderRules.Evaluate(Cps(before)).InitialState);
        var refused = OrderRules.Evaluate(Cps(after));
        Assert.Equal(ProblemTypes.CpsRppsThroughOrdre, refused.ProblemType);
        Assert.Contains("l'Ordre national des infirmiers", refused.Detail);
        // Only one row is in force on any day.
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM professions WHERE code = '60' AND valid_until IS NULL"));
        await using var again = await connection.BeginTransactionAsync();
        Assert.False(await ProfessionCatalogue.AddChangeAsync(connection, again,
            new ProfessionChange("60", "Infirmier", new DateOnly(2021, 10, 8), "ADELI", true, false, false, null), "operator", CancellationToken.None));
    }

    [Fact]
    public async Task The_catalogue_holds_every_profession_of_the_seed_once_in_force_today()
    {
        await using var db = await TestDatabase.CreateMigratedAsync();
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var inForce = (await connection.QueryAsync<(string Register, bool Issuable, bool SalariedOnly, bool CpfEligible)>(
            "SELECT register, issuable, salaried_only, cpf_eligible FROM professions WHERE valid_until IS NULL")).ToList();
        // Seed 004 §1.2: 6 RPPS professions, 22 ADELI ones (4 salaried-only, 8 not issued yet); 4 CPF professions (§4.3).
        Assert.Equal(6, inForce.Count(p => p.Register == "RPPS"));
        Assert.Equal(22, inForce.Count(p => p.Register == "ADELI"));
        Assert.Equal(4, inForce.Count(p => p.SalariedOnly));
        Assert.Equal(8, inForce.Count(p => !p.Issuable));
        Assert.Equal(4, inForce.Count(p => p.CpfEligible));
    }
}
