using System.Net;
using System.Net.Http.Json;
using CpxTeleservice.Events;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Events;

/// <summary>Subscriptions: hostile URLs refused, a bounded number per structure, the secret shown once, the structure's own only; the feed by cursor.</summary>
public class WebhookSubscriptionTests(EventsHost host) : IClassFixture<EventsHost>
{
    private readonly World _world = new(host);

    [Theory]
    [InlineData("https://structure.example/hooks", true, null)]
    [InlineData("https://structure.example/hooks", false, null)]
    [InlineData("http://127.0.0.1:9000/hook", true, null)]
    [InlineData("http://[::1]:9000/hook", true, null)]
    [InlineData("http://localhost:9000/hook", true, null)]
    [InlineData("http://127.0.0.1:9000/hook", false, "must be https.")]
    [InlineData("http://structure.example/hook", true, "must be https (http only to a loopback host).")]
    [InlineData("ftp://structure.example/hook", false, "must be https.")]
    [InlineData("https://user:pass@structure.example/hook", false, "must carry neither user information nor a fragment.")]
    [InlineData("/relative/hook", false, "is not an absolute URL.")]
    [InlineData("", false, "is required.")]
    public void A_webhook_URL_is_https_or_loopback_http_when_allowed(string url, bool allowLoopbackHttp, string? refusal) =>
        Assert.Equal(refusal, WebhookUrl.Refusal(url, allowLoopbackHttp));

    [Fact]
    public void A_webhook_URL_is_bounded_in_length() =>
        Assert.NotNull(WebhookUrl.Refusal("https://structure.example/" + new string('a', WebhookUrl.MaxLength), false));

    [Theory]
    [InlineData(1, 1000, 3600, 1000)]
    [InlineData(2, 1000, 3600, 2000)]
    [InlineData(5, 1000, 3600, 16000)]
    [InlineData(20, 1000, 3600, 3600000)]
    [InlineData(1000, 1000, 3600, 3600000)]
    public void Retries_back_off_exponentially_up_to_the_ceiling(int failures, int baseMilliseconds, int maxSeconds, int expectedMilliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), WebhookDelivery.Backoff(failures, baseMilliseconds, maxSeconds));

    [Fact]
    public void A_signature_verifies_with_its_secret_only_and_only_while_recent()
    {
        var body = "{\"id\":\"x\"}"u8.ToArray();
        var now = DateTimeOffset.UtcNow;
        var header = WebhookSignature.Sign("whsec_a", now.ToUnixTimeSeconds(), body);
        Assert.True(WebhookSignature.Verify("whsec_a", header, body, now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("whsec_b", header, body, now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("whsec_a", header, "{\"id\":\"y\"}"u8.ToArray(), now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("whsec_a", header, body, now.AddMinutes(10), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task A_subscription_refuses_plain_http_to_another_host_and_unknown_event_types()
    {
        var structure = await _world.StructureAsync();
        var url = $"/api/v1/structures/{structure.StructureId}/webhooks";
        var problem = await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync(url, new { url = "http://structure.example/hook" }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("url", out _));
        problem = await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync(url,
            new { url = "https://structure.example/hook", eventTypes = new[] { "order.exploded" } }), HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("eventTypes", out _));
    }

    [Fact]
    public async Task A_structure_holds_a_bounded_number_of_subscriptions_and_the_secret_is_shown_once()
    {
        var structure = await _world.StructureAsync();
        var client = structure.LegalRepresentativeClient;
        var url = $"/api/v1/structures/{structure.StructureId}/webhooks";
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var created = await HttpAssert.JsonAsync(await client.PostAsJsonAsync(url, new { url = $"https://structure.example/hook{i}", eventTypes = new[] { "card.opposed" } }),
                HttpStatusCode.Created);
            Assert.StartsWith("whsec_", created.GetProperty("secret").GetString());
            ids.Add(created.GetProperty("id").GetGuid());
        }

        await HttpAssert.ProblemAsync(await client.PostAsJsonAsync(url, new { url = "https://structure.example/one-too-many" }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.WebhookLimitReached);

        var listed = await HttpAssert.JsonAsync(await client.GetAsync(url));
        Assert.Equal(ids, listed.EnumerateArray().Select(w => w.GetProperty("id").GetGuid()));
        Assert.All(listed.EnumerateArray(), w => Assert.False(w.TryGetProperty("secret", out _)));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{url}/{ids[0]}")).StatusCode);
        await HttpAssert.ProblemAsync(await client.DeleteAsync($"{url}/{ids[0]}"), HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await HttpAssert.JsonAsync(await client.PostAsJsonAsync(url, new { url = "https://structure.example/again" }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Another_structures_caller_neither_subscribes_nor_reads_the_feed()
    {
        var structure = await _world.StructureAsync();
        var other = await _world.StructureAsync();
        await HttpAssert.ProblemAsync(await other.LegalRepresentativeClient.PostAsJsonAsync($"/api/v1/structures/{structure.StructureId}/webhooks",
            new { url = "https://structure.example/hook" }), HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await HttpAssert.ProblemAsync(await other.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}/events"),
            HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await HttpAssert.ProblemAsync(await other.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}/webhooks"),
            HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
    }

    [Fact]
    public async Task The_feed_resumes_after_its_cursor_with_only_what_came_since_and_refuses_a_forged_cursor()
    {
        var structure = await _world.StructureAsync();
        var client = structure.LegalRepresentativeClient;
        var order = (await HttpAssert.JsonAsync(await World.OrderAsync(client, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var (first, cursor) = await EventFeed.ReadAllAsync(client, structure.StructureId);
        Assert.Equal(["order.placed"], first.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal($"order/{order}", first[0].GetProperty("resource").GetString());
        Assert.Equal(order, first[0].GetProperty("data").GetProperty("orderId").GetGuid());

        await _world.EventAsync(order, "in-production");
        await HttpAssert.JsonAsync(await client.PostAsync($"/api/v1/orders/{(await HttpAssert.JsonAsync(await World.OrderAsync(client, structure.StructureId,
            World.CpeOrder("AUTRE", "AGENT")), HttpStatusCode.Created)).GetProperty("id").GetGuid()}/cancellation", null));
        var (since, next) = await EventFeed.ReadAllAsync(client, structure.StructureId, cursor);
        Assert.Equal(["order.in-production", "order.placed", "order.cancelled"], since.Select(e => e.GetProperty("type").GetString()));
        Assert.Empty((await EventFeed.ReadAllAsync(client, structure.StructureId, next)).Events);

        await HttpAssert.ProblemAsync(await client.GetAsync($"/api/v1/structures/{structure.StructureId}/events?after=not-a-cursor"),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
    }
}
