using System.Globalization;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// The service's clock for demos and acceptance runs: started at a given instant, or running at an
/// offset from the real clock. Both empty (the default): the real clock. Refused in Production.
/// </summary>
public sealed class ClockOptions
{
    public const string Section = "Clock";

    /// <summary>An ISO 8601 instant (with its offset, e.g. <c>2027-07-13T16:00:00+02:00</c>): the clock starts there at start-up and runs on.</summary>
    public string? StartAt { get; set; }

    /// <summary>Seconds the clock runs ahead of the real one (negative: behind).</summary>
    public long? OffsetSeconds { get; set; }

    /// <summary>Whether the clock is the real one.</summary>
    public bool IsReal => string.IsNullOrWhiteSpace(StartAt) && OffsetSeconds is null or 0;

    /// <summary>The distance from the real clock, <paramref name="realNow"/> the real time at start-up.</summary>
    public TimeSpan Offset(DateTimeOffset realNow) =>
        StartAt is { Length: > 0 } start && TryParseInstant(start, out var instant)
            ? instant - realNow
            : TimeSpan.FromSeconds(OffsetSeconds ?? 0);

    internal static IEnumerable<string> Errors(ClockOptions o, string environment)
    {
        var startAt = !string.IsNullOrWhiteSpace(o.StartAt);
        if (startAt && o.OffsetSeconds is not null)
        {
            yield return "Clock__StartAt and Clock__OffsetSeconds: set at most one of them.";
        }

        if (startAt && !TryParseInstant(o.StartAt!, out _))
        {
            yield return "Clock__StartAt must be an ISO 8601 instant with its offset (2027-07-13T16:00:00+02:00 or 2027-07-13T14:00:00Z).";
        }

        if (o.OffsetSeconds is < -3_155_760_000 or > 3_155_760_000)
        {
            yield return "Clock__OffsetSeconds must be within a century of the real clock (±3155760000).";
        }

        if (string.Equals(environment, "Production", StringComparison.OrdinalIgnoreCase))
        {
            if (startAt)
            {
                yield return "Clock__StartAt is for demos and acceptance runs: it is refused in Production.";
            }

            if (o.OffsetSeconds is not null)
            {
                yield return "Clock__OffsetSeconds is for demos and acceptance runs: it is refused in Production.";
            }
        }
    }

    /// <summary>An instant that names its offset (a trailing Z or ±hh:mm): a local time without one is ambiguous.</summary>
    private static bool TryParseInstant(string value, out DateTimeOffset instant)
    {
        var text = value.Trim();
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        instant = default;
        return hasOffset && text.Contains('T', StringComparison.OrdinalIgnoreCase)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant)
            && instant.Year is > 1 and < 9999;
    }
}
