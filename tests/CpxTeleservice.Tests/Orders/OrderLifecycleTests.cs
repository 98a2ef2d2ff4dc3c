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

namespace CpxTeleservice.Tests.Orders;

/// <summary>The order life cycle over HTTP: cancellation before production only, production events in their order and in time.</summary>
public class OrderLifecycleTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task Cancellation_only_before_production()
    {
        var structure = await _world.StructureAsync();
        var client = structure.LegalRepresentativeClient;
        var first = (await HttpAssert.JsonAsync(await World.OrderAsync(client, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var cancelled = await HttpAssert.JsonAsync(await client.PostAsync($"/api/v1/orders/{first}/cancellation", null));
        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());

        var second = (await HttpAssert.JsonAsync(await World.OrderAsync(client, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await _world.EventAsync(second, "in-production");
        await HttpAssert.ProblemAsync(await client.PostAsync($"/api/v1/orders/{second}/cancellation", null), HttpStatusCode.Conflict, ProblemTypes.OrderStateConflict);
    }

    [Fact]
    public async Task Production_events_follow_the_order_state_machine()
    {
        var structure = await _world.StructureAsync();
        var id = (await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync($"/api/v1/admin/orders/{id}/events", new { @event = "card-shipped" }),
            HttpStatusCode.Conflict, ProblemTypes.OrderStateConflict);
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync($"/api/v1/admin/orders/{id}/events", new { @event = "in-production", occurredAt = DateTime.UtcNow.AddDays(2) }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.EventTimeInFuture);
        await _world.EventAsync(id, "in-production", new { occurredAt = DateTime.UtcNow.AddHours(-1) });
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync($"/api/v1/admin/orders/{id}/events", new { @event = "card-shipped", occurredAt = DateTime.UtcNow.AddHours(-2) }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.EventTimeBeforePrevious);
        await _world.EventAsync(id, "card-shipped", new { occurredAt = DateTime.UtcNow.AddMinutes(-30) });
    }
}
