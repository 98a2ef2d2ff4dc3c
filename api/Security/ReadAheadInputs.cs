using CpxTeleservice.Infrastructure;
using Microsoft.Extensions.Primitives;

namespace CpxTeleservice.Security;

/// <summary>
/// A request's inputs read as the endpoints' binding reads them, for planning a <see cref="ReadAhead"/>: whatever is not
/// plainly valid gives null or false, and the endpoint then reads and answers it itself.
/// </summary>
public static class ReadAheadInputs
{
    /// <summary>The paging as the endpoint binds it; null for a limit it would refuse or a cursor it did not issue.</summary>
    public static (PageRequest Page, Guid? After)? PageOf(HttpContext http)
    {
        try
        {
            return PageRequest.BindAsync(http).Result is { } page && page.TryAfter(out var after) ? (page, after) : null;
        }
        catch (BadHttpRequestException)
        {
            return null;
        }
    }

    /// <summary>A route value that is a Guid.</summary>
    public static Guid? RouteGuid(HttpContext http, string name) => Guid.TryParse(http.GetRouteValue(name) as string, out var id) ? id : null;

    /// <summary>A query value given at most once and, when given, one of <paramref name="allowed"/> (all, when null); absent: null.</summary>
    public static bool Single(HttpContext http, string name, out string? value, IReadOnlyCollection<string>? allowed = null)
    {
        StringValues values = http.Request.Query[name];
        value = values.Count == 1 ? values[0] : null;
        return values.Count <= 1 && (value is null || allowed is null || allowed.Contains(value));
    }
}
