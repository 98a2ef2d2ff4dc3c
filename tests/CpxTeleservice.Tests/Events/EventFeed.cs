using System.Net.Http.Json;
using System.Text.Json;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Events;

/// <summary>Reads a structure's event feed to its end, page by page, as a receiver catching up does.</summary>
public static class EventFeed
{
    public static async Task<(List<JsonElement> Events, string Cursor)> ReadAllAsync(HttpClient client, Guid structureId, string? after = null, int limit = 2)
    {
        var events = new List<JsonElement>();
        var cursor = after;
        while (true)
        {
            var page = await HttpAssert.JsonAsync(await client.GetAsync(
                $"/api/v1/structures/{structureId}/events?limit={limit}" + (cursor is null ? "" : "&after=" + Uri.EscapeDataString(cursor))));
            var items = page.GetProperty("items").EnumerateArray().ToList();
            cursor = page.GetProperty("next").GetString();
            if (items.Count == 0)
            {
                return (events, cursor!);
            }

            events.AddRange(items);
        }
    }

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
