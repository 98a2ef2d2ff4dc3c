using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CpxTeleservice.Audit;
using CpxTeleservice.Infrastructure;
using Microsoft.Extensions.Options;

namespace CpxTeleservice.Security;

/// <summary>
/// Audits refused authentications without letting a stranger grow the audit trail at will (README, "Limits"):
/// per source (client address; an IPv6 /64) and reason, the first <see cref="LimitsOptions.RefusalAuditRowsPerWindow"/>
/// refusals of each window are one row each, as they happen; the others are counted, and one row carrying
/// their number (<c>occurrences</c>) is written when the window ends. Caller-chosen text is cut to a bounded
/// excerpt with its control characters replaced. Only the first refusal of a window is an Information log line.
/// </summary>
public sealed partial class RefusalAudit(AuditLog audit, TimeProvider time, IOptions<LimitsOptions> options, ILogger<RefusalAudit> logger)
    : BackgroundService
{
    private const string Overflow = "(other sources)";

    private sealed record Key(string Source, string Outcome, string? ActorIdNat, string? ActorCardSerial, string Action);

    private sealed class Bucket(long window)
    {
        public long Window = window;
        public int Recorded;
        public int Suppressed;
    }

    private readonly ConcurrentDictionary<Key, Bucket> _buckets = new();
    private readonly LimitsOptions _limits = options.Value;

    /// <summary>Records <paramref name="entry"/>, a refusal of a request from <paramref name="remote"/>, within the bounds above.</summary>
    public async Task RecordAsync(IPAddress? remote, AuditEntry entry)
    {
        var window = CurrentWindow();
        var source = SourceOf(remote);
        var key = KeyOf(source, entry);
        var (first, record, suppressedSummary) = Tally(key, window);
        if (suppressedSummary is { } summary)
        {
            await audit.RecordAsync(summary.Entry, summary.Count);
        }

        if (first)
        {
            LogFirstRefusal(logger, entry.Action, entry.Outcome, source);
        }
        else
        {
            LogRefusal(logger, entry.Action, entry.Outcome, source);
        }

        if (record)
        {
            await audit.RecordAsync(entry with
            {
                Target = Excerpt(entry.Target),
                Detail = Excerpt(entry.Detail),
                ActorIdNat = Excerpt(entry.ActorIdNat),
                ActorCardSerial = Excerpt(entry.ActorCardSerial),
            });
        }
    }

    /// <summary>The bucket a refusal is counted in; past the configured number of sources, one bucket for the others, without actor.</summary>
    private Key KeyOf(string source, AuditEntry entry)
    {
        var key = new Key(source, entry.Outcome, entry.ActorIdNat, entry.ActorCardSerial, entry.Action);
        if (!_buckets.ContainsKey(key) && _buckets.Count >= _limits.RefusalAuditMaxSources)
        {
            key = key with { Source = Overflow, ActorIdNat = null, ActorCardSerial = null };
        }

        return key;
    }

    /// <summary>
    /// Counts a refusal in its bucket: whether it is the window's first, whether it is recorded as a row of
    /// its own, and the count of the window that has just ended, if any was suppressed.
    /// </summary>
    private (bool First, bool Record, (AuditEntry Entry, int Count)? SuppressedSummary) Tally(Key key, long window)
    {
        var bucket = _buckets.GetOrAdd(key, _ => new Bucket(window));
        lock (bucket)
        {
            (AuditEntry Entry, int Count)? suppressedSummary = null;
            if (bucket.Window != window)
            {
                suppressedSummary = Summary(key, bucket);
                bucket.Window = window;
                bucket.Recorded = 0;
                bucket.Suppressed = 0;
            }

            var first = bucket.Recorded == 0 && bucket.Suppressed == 0;
            var record = bucket.Recorded < _limits.RefusalAuditRowsPerWindow;
            if (record)
            {
                bucket.Recorded++;
            }
            else
            {
                bucket.Suppressed++;
            }

            return (first, record, suppressedSummary);
        }
    }

    /// <summary>Writes the count of every window that has ended (all of them when <paramref name="all"/>).</summary>
    public async Task FlushAsync(bool all = false)
    {
        var window = CurrentWindow();
        foreach (var (key, bucket) in _buckets)
        {
            (AuditEntry Entry, int Count)? summary = null;
            lock (bucket)
            {
                if (all || bucket.Window != window)
                {
                    summary = Summary(key, bucket);
                    bucket.Suppressed = 0;
                    if (bucket.Window != window)
                    {
                        _buckets.TryRemove(new KeyValuePair<Key, Bucket>(key, bucket));
                    }
                }
            }

            if (summary is { } written)
            {
                await audit.RecordAsync(written.Entry, written.Count);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, _limits.RefusalAuditWindowSeconds / 4.0)), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(all: true);
    }

    /// <summary>Caller-chosen text as an audit row keeps it: at most the configured length, control characters and lone surrogates replaced.</summary>
    public string? Excerpt(string? text) => Excerpt(text, _limits.AuditExcerptLength);

    public static string? Excerpt(string? text, int length)
    {
        if (text is null)
        {
            return null;
        }

        var builder = new StringBuilder(Math.Min(text.Length, length + 1));
        for (var i = 0; i < text.Length && builder.Length < length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (builder.Length + 2 > length)
                {
                    break;
                }

                builder.Append(c).Append(text[++i]);
            }
            else
            {
                builder.Append(char.IsControl(c) || char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return builder.Length < text.Length ? builder.Append('…').ToString() : builder.ToString();
    }

    private long CurrentWindow() => time.GetUtcNow().ToUnixTimeSeconds() / _limits.RefusalAuditWindowSeconds;

    /// <summary>The client address a refusal is counted under: an IPv6 address by its /64, the block one subscriber holds.</summary>
    public static string SourceOf(IPAddress? remote)
    {
        if (remote is null)
        {
            return "(unknown)";
        }

        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }

        if (remote.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = remote.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes) + "/64";
        }

        return remote.ToString();
    }

    private (AuditEntry Entry, int Count)? Summary(Key key, Bucket bucket)
    {
        if (bucket.Suppressed == 0)
        {
            return null;
        }

        var from = DateTimeOffset.FromUnixTimeSeconds(bucket.Window * _limits.RefusalAuditWindowSeconds);
        return (new AuditEntry(key.ActorIdNat, key.ActorCardSerial, null, key.Action, "from " + key.Source, key.Outcome,
            $"{bucket.Suppressed} more refusals from {key.Source} in the {_limits.RefusalAuditWindowSeconds} s from {from:O}, beyond the {_limits.RefusalAuditRowsPerWindow} recorded one by one.",
            null), bucket.Suppressed);
    }

    [LoggerMessage(EventId = 1, EventName = "FirstRefusalOfWindow", Level = LogLevel.Information, Message = "Refused ({Action} {Outcome}) from {Source}; further refusals of this kind in this window are logged at Debug level and counted in the audit")]
    private static partial void LogFirstRefusal(ILogger logger, string action, string outcome, string source);

    [LoggerMessage(EventId = 2, EventName = "Refusal", Level = LogLevel.Debug, Message = "Refused ({Action} {Outcome}) from {Source}")]
    private static partial void LogRefusal(ILogger logger, string action, string outcome, string source);
}
