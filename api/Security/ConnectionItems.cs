using Microsoft.AspNetCore.Connections.Features;

namespace CpxTeleservice.Security;

/// <summary>
/// What authentication keeps per TLS connection (the chain check, the recorded certificate, the card having
/// authenticated), in the connection's items. HTTP/2 runs a connection's streams concurrently and the items are a
/// plain dictionary: every read and write takes its lock.
/// </summary>
internal static class ConnectionItems
{
    public static object? Get(HttpContext context, string key)
    {
        if (context.Features.Get<IConnectionItemsFeature>()?.Items is not { } items)
        {
            return null;
        }

        lock (items)
        {
            return items.TryGetValue(key, out var value) ? value : null;
        }
    }

    /// <summary>Sets the item, or removes it when <paramref name="value"/> is null.</summary>
    public static void Set(HttpContext context, string key, object? value)
    {
        if (context.Features.Get<IConnectionItemsFeature>()?.Items is not { } items)
        {
            return;
        }

        lock (items)
        {
            if (value is null)
            {
                items.Remove(key);
            }
            else if (!items.TryGetValue(key, out var current) || !Equals(current, value))
            {
                items[key] = value;
            }
        }
    }
}
