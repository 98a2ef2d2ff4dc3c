using System.Net;
using System.Net.Http.Json;
using System.Text;
using CpxTeleservice.Authorization;
using CpxTeleservice.DevPki;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Security;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.Security;

/// <summary>An operator's card, once in the registry, is checked like any other (its own host: the operator is put in opposition).</summary>
public class OperatorCardTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    [Fact]
    public async Task A_registered_operator_card_in_opposition_stops_authenticating()
    {
        var card = ServiceHost.Operator;
        await Registry.AddCardAsync(host.Database.DataSource, card, "CPE", state: "opposition");
        using var client = host.CreateClient(card);
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardInOpposition);
    }
}
