using System.Net;
using System.Net.Http.Json;
using CpxTeleservice.DevPki;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;

namespace CpxTeleservice.Tests.Hostile;

/// <summary>A host with a second configured operator, whose card the test revokes.</summary>
public sealed class SecondOperatorHost : ServiceHost
{
    public static readonly CardIdentity Revoked = new("513000578000015/OPS0098", "MARTIN", "PAUL", 2, "9000000098",
        Organisation: "AGENCE DU NUMERIQUE EN SANTE", OrganisationUnit: "313000578000015");

    public SecondOperatorHost()
    {
        With("Operators:1:IdNat", Revoked.IdNat);
        With("Operators:1:CardSerial", Revoked.CardSerial);
    }
}

/// <summary>
/// How an operator card is revoked (README, "Trust and revocation"): an operator's card is exempt from the
/// registry only while the registry does not know it; registered (POST /admin/cards) and put in opposition
/// in the registry, it stops at once, without a restart, while the configuration still names it.
/// </summary>
public class OperatorRevocationTests(SecondOperatorHost host) : IClassFixture<SecondOperatorHost>
{
    [Fact]
    public async Task Operator_card_registered_in_opposition_stops_authenticating_on_the_next_request()
    {
        using var client = host.CreateClient(SecondOperatorHost.Revoked);
        var me = await HttpAssert.JsonAsync(await client.GetAsync("/api/v1/me"));
        Assert.True(me.GetProperty("operator").GetBoolean());

        // What README tells another operator to do: register the lost card, then put it in opposition.
        using var other = host.CreateClient(ServiceHost.Operator);
        var card = SecondOperatorHost.Revoked;
        var registered = await HttpAssert.JsonAsync(await other.PostAsJsonAsync("/api/v1/admin/cards", new
        {
            cardType = "CPE",
            serial = card.CardSerial,
            holder = new { idNat = card.IdNat, nom = card.Nom, prenom = card.Prenom, healthProfessional = false },
            validUntil = DateTime.UtcNow.AddYears(3),
        }), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await client.GetAsync("/api/v1/me")); // registered and active: still an operator
        await using (var connection = await host.Database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE cards SET state = 'opposition', opposed_at = now() WHERE id = @id", new { id = registered.GetProperty("id").GetGuid() });
        }

        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardInOpposition);
        await HttpAssert.JsonAsync(await other.GetAsync("/api/v1/me"));
    }
}
