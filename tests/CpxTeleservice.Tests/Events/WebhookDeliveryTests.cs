using System.Net;
using System.Net.Http.Json;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Events;

/// <summary>
/// Webhooks: signed events delivered at least once and in order per resource, across a receiver outage;
/// no redirect followed; a slow receiver does not hold back the others.
/// </summary>
public class WebhookDeliveryTests(EventsHost host) : IClassFixture<EventsHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly World _world = new(host);

    [Fact]
    public async Task A_receiver_stopped_then_restarted_receives_every_event_by_id_with_valid_signatures_in_order_per_resource()
    {
        var structure = await _world.StructureAsync();
        var client = structure.LegalRepresentativeClient;
        await using var receiver = new WebhookReceiver();
        receiver.Start();
        var created = await HttpAssert.JsonAsync(await client.PostAsJsonAsync($"/api/v1/structures/{structure.StructureId}/webhooks", new { url = receiver.Url }),
            HttpStatusCode.Created);
        receiver.Secret = created.GetProperty("secret").GetString();
        var webhookId = created.GetProperty("id").GetGuid();

        // While it listens: an order goes into production.
        var order = (await HttpAssert.JsonAsync(await World.OrderAsync(client, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await _world.EventAsync(order, "in-production");
        await EventFeed.WaitUntilAsync(() => receiver.Deliveries.Any(d => d.Type == "order.in-production"), Patience, "the first deliveries");

        // While it is down: the card is shipped and received, another order is placed and cancelled, a mandataire is designated, the card opposed.
        await receiver.StopAsync();
        var cardId = (await _world.EventAsync(order, "card-shipped")).GetProperty("cardId").GetGuid();
        await _world.EventAsync(order, "card-received");
        var second = (await HttpAssert.JsonAsync(await World.OrderAsync(client, structure.StructureId, World.CpeOrder("SECOND", "AGENT")), HttpStatusCode.Created))
            .GetProperty("id").GetGuid();
        await HttpAssert.JsonAsync(await client.PostAsync($"/api/v1/orders/{second}/cancellation", null));
        await _world.MandataireAsync(structure);
        using (var opposition = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cards/{cardId}/opposition") { Content = JsonContent.Create(new { reason = "stolen" }) })
        {
            opposition.Headers.TryAddWithoutValidation("If-Match", "*");
            await HttpAssert.JsonAsync(await client.SendAsync(opposition));
        }

        // The worker keeps failing, and says so, backing off.
        await EventFeed.WaitUntilAsync(() =>
        {
            var list = client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/structures/{structure.StructureId}/webhooks").GetAwaiter().GetResult();
            return list.EnumerateArray().Single(w => w.GetProperty("id").GetGuid() == webhookId).GetProperty("failedAttempts").GetInt32() >= 2;
        }, Patience, "failed attempts while the receiver is down");
        var deliveredBeforeRestart = receiver.Deliveries.Count;

        receiver.Start();
        var (feed, _) = await EventFeed.ReadAllAsync(client, structure.StructureId);
        var expected = feed.Select(e => e.GetProperty("id").GetGuid()).ToList();
        await EventFeed.WaitUntilAsync(() => expected.All(id => receiver.Deliveries.Any(d => d.Id == id)), Patience, "every event after the restart");

        Assert.True(receiver.Deliveries.Count > deliveredBeforeRestart);
        var deliveries = receiver.Deliveries.ToList();
        Assert.All(deliveries, d => Assert.True(d.SignatureValid, $"bad signature on {d.Type} {d.Id}"));
        Assert.All(deliveries, d => Assert.Equal(d.Id.ToString(), d.HeaderEventId));
        Assert.Equal(expected.Order(), deliveries.Select(d => d.Id).Distinct().Order());
        foreach (var type in new[] { "order.placed", "order.in-production", "order.card-shipped", "order.card-received", "order.cancelled", "mandate.designated", "card.opposed" })
        {
            Assert.Contains(deliveries, d => d.Type == type);
        }

        // In order per resource: the first receipt of each event follows the feed's order for that resource.
        var firstReceipt = deliveries.Select(d => d.Id).Distinct().ToList();
        foreach (var resource in feed.GroupBy(e => e.GetProperty("resource").GetString()))
        {
            var ids = resource.Select(e => e.GetProperty("id").GetGuid()).ToList();
            Assert.Equal(ids, firstReceipt.Where(ids.Contains).ToList());
        }
    }

    [Fact]
    public async Task A_redirect_is_not_followed_and_counts_as_a_failed_delivery()
    {
        var structure = await _world.StructureAsync();
        var client = structure.LegalRepresentativeClient;
        await using var target = new WebhookReceiver();
        target.Start();
        await using var redirecting = new WebhookReceiver
        {
            Respond = context =>
            {
                context.Response.StatusCode = 307;
                context.Response.RedirectLocation = target.Url;
                return Task.CompletedTask;
            },
        };
        redirecting.Start();
        var created = await HttpAssert.JsonAsync(await client.PostAsJsonAsync($"/api/v1/structures/{structure.StructureId}/webhooks", new { url = redirecting.Url }),
            HttpStatusCode.Created);
        await World.OrderAsync(client, structure.StructureId, World.CpeOrder());

        await EventFeed.WaitUntilAsync(() =>
        {
            var list = client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/structures/{structure.StructureId}/webhooks").GetAwaiter().GetResult();
            return list.EnumerateArray().Single().GetProperty("lastError").GetString() == "HTTP 307";
        }, Patience, "the redirect to be recorded as a failure");
        Assert.Empty(target.Deliveries);
        Assert.Equal(created.GetProperty("id").GetGuid(), (await client.GetFromJsonAsync<System.Text.Json.JsonElement>(
            $"/api/v1/structures/{structure.StructureId}/webhooks")).EnumerateArray().Single().GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task A_receiver_that_never_answers_does_not_hold_back_another_structures_receiver()
    {
        var slowStructure = await _world.StructureAsync();
        var fastStructure = await _world.StructureAsync();
        var hold = new TaskCompletionSource();
        await using var slow = new WebhookReceiver { Respond = _ => hold.Task };
        slow.Start();
        await using var fast = new WebhookReceiver();
        fast.Start();
        await HttpAssert.JsonAsync(await slowStructure.LegalRepresentativeClient.PostAsJsonAsync(
            $"/api/v1/structures/{slowStructure.StructureId}/webhooks", new { url = slow.Url }), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await fastStructure.LegalRepresentativeClient.PostAsJsonAsync(
            $"/api/v1/structures/{fastStructure.StructureId}/webhooks", new { url = fast.Url }), HttpStatusCode.Created);

        await World.OrderAsync(slowStructure.LegalRepresentativeClient, slowStructure.StructureId, World.CpeOrder());
        await Task.Delay(500); // the slow delivery is under way, held by its receiver
        var started = DateTime.UtcNow;
        await World.OrderAsync(fastStructure.LegalRepresentativeClient, fastStructure.StructureId, World.CpeOrder());
        await EventFeed.WaitUntilAsync(() => fast.Deliveries.Any(d => d.Type == "order.placed"), TimeSpan.FromSeconds(5), "the fast receiver's delivery");
        // Well within the 10 s the slow receiver may hold its own delivery.
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        hold.SetResult();
    }
}
