using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Events;

/// <summary>
/// Delivers the outbox to webhook subscriptions: at least once, in feed order per subscription (so in
/// order per resource), signed. Each subscription is delivered by its own task under a lease in the
/// database (so several instances share the work); a slow or dead receiver holds its own slot only,
/// bounded by the delivery timeout, and backs off exponentially up to a ceiling.
/// </summary>
public sealed partial class WebhookDelivery : BackgroundService
{
    private const int EventsPerLease = 100;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly NpgsqlDataSource _dataSource;
    private readonly EventsOptions _options;
    private readonly ILogger<WebhookDelivery> _logger;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<Guid, Task> _inFlight = new();
    private readonly TimeSpan _lease;
    private readonly TimeProvider _time;

    public WebhookDelivery(NpgsqlDataSource dataSource, IOptions<EventsOptions> options, ILogger<WebhookDelivery> logger, TimeProvider time)
    {
        _time = time;
        _dataSource = dataSource;
        _options = options.Value;
        _logger = logger;
        var timeout = TimeSpan.FromSeconds(_options.DeliveryTimeoutSeconds);
        _lease = timeout * 2 + TimeSpan.FromSeconds(30);
        // No redirect is followed (a 3xx is a failed delivery), no cookie kept; a response's body is never read.
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = timeout,
            MaxResponseHeadersLength = 16,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = 4,
        })
        {
            Timeout = timeout,
            MaxResponseContentBufferSize = 1024,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("CpxTeleservice-Webhooks", "1"));
    }

    /// <summary>Delay before the next attempt after <paramref name="failures"/> consecutive failures: doubling from the base, up to the ceiling.</summary>
    public static TimeSpan Backoff(int failures, int baseMilliseconds, int maxSeconds)
    {
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var milliseconds = Math.Min((double)baseMilliseconds * Math.Pow(2, exponent), maxSeconds * 1000.0);
        return TimeSpan.FromMilliseconds(milliseconds);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.DeliveryEnabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_options.PollMilliseconds));
        try
        {
            do
            {
                try
                {
                    await PassAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
                {
                    LogPassFailed(_logger, exception);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(_inFlight.Values);
    }

    /// <summary>Sequences committed events, then starts a delivery for each due subscription, within the concurrency bound.</summary>
    private async Task PassAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await EventOutbox.SequenceAsync(connection, cancellationToken);
        var free = _options.MaxConcurrentDeliveries - _inFlight.Count;
        if (free <= 0)
        {
            return;
        }

        var claimed = await connection.QueryAsync<Subscription>(new CommandDefinition(
            """
            UPDATE webhook_subscriptions s SET leased_until = cpx_now() + @_lease
            WHERE s.id IN (
                SELECT w.id FROM webhook_subscriptions w
                WHERE w.next_attempt_at <= cpx_now() AND (w.leased_until IS NULL OR w.leased_until < cpx_now())
                  AND EXISTS (SELECT 1 FROM outbox_events e
                              WHERE e.structure_id = w.structure_id AND e.position > w.delivered_position AND e.type = ANY(w.event_types))
                ORDER BY w.next_attempt_at
                LIMIT @free
                FOR UPDATE SKIP LOCKED)
            RETURNING s.id, s.structure_id, s.url, s.event_types, s.secret, s.delivered_position, s.attempts
            """, new { _lease, free }, cancellationToken: cancellationToken));
        foreach (var subscription in claimed)
        {
            _inFlight[subscription.Id] = Task.Run(async () =>
            {
                try
                {
                    await DeliverAsync(subscription, cancellationToken);
                }
                catch (Exception exception) when (exception is NpgsqlException or TimeoutException or OperationCanceledException)
                {
                    Telemetry.CpxMetrics.WebhookDelivery("aborted");
                    LogDeliveryAborted(_logger, subscription.Id, exception);
                }
                finally
                {
                    _inFlight.TryRemove(subscription.Id, out _);
                }
            }, CancellationToken.None);
        }
    }

    /// <summary>Sends the subscription's pending events one by one, in order, until none is left or one fails.</summary>
    private async Task DeliverAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await EventOutbox.StructureAfterAsync(connection, subscription.StructureId, subscription.DeliveredPosition, subscription.EventTypes,
            EventsPerLease, cancellationToken);
        foreach (var row in rows)
        {
            var failure = await SendAsync(subscription, row, cancellationToken);
            if (failure is not null)
            {
                var delay = Backoff(subscription.Attempts + 1, _options.RetryBaseMilliseconds, _options.RetryMaxSeconds);
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    UPDATE webhook_subscriptions SET attempts = attempts + 1, next_attempt_at = cpx_now() + @delay, leased_until = NULL, last_error = @failure
                    WHERE id = @Id
                    """, new { delay, failure, subscription.Id }, cancellationToken: cancellationToken));
                LogDeliveryFailed(_logger, subscription.Id, row.Id, failure, delay);
                return;
            }

            var still = await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE webhook_subscriptions SET delivered_position = @Position, attempts = 0, last_error = NULL, leased_until = cpx_now() + @_lease
                WHERE id = @Id
                """, new { row.Position, _lease, subscription.Id }, cancellationToken: cancellationToken));
            if (still == 0)
            {
                return; // deleted meanwhile
            }
        }

        // The next pass claims it again at once if more events are waiting.
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE webhook_subscriptions SET leased_until = NULL WHERE id = @Id", new { subscription.Id }, cancellationToken: cancellationToken));
    }

    /// <summary>One signed POST, counted by outcome; null when the receiver acknowledged it (2xx), otherwise why not.</summary>
    private async Task<string?> SendAsync(Subscription subscription, EventRow row, CancellationToken cancellationToken)
    {
        if (WebhookUrl.Refusal(subscription.Url, _options.AllowLoopbackHttp) is { } refusal)
        {
            return Counted("failed:url-refused", $"url {refusal}");
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(row.ToEvent(), Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("Cpx-Event-Id", row.Id.ToString());
        request.Headers.Add("Cpx-Event-Type", row.Type);
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(subscription.Secret, _time.GetUtcNow().ToUnixTimeSeconds(), body));
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return response.IsSuccessStatusCode ? Counted("delivered", null) : Counted("failed:http-status", $"HTTP {(int)response.StatusCode}");
        }
        catch (HttpRequestException exception)
        {
            return Counted("failed:unreachable", $"unreachable: {exception.HttpRequestError}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Counted("failed:timeout", $"no answer within {_options.DeliveryTimeoutSeconds} s");
        }
    }

    private static string? Counted(string outcome, string? failure)
    {
        Telemetry.CpxMetrics.WebhookDelivery(outcome);
        return failure;
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 1, EventName = "WebhookPassFailed", Level = LogLevel.Warning, Message = "Webhook delivery pass failed; the next pass retries")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2, EventName = "WebhookDeliveryFailed", Level = LogLevel.Information,
        Message = "Webhook {SubscriptionId}: event {EventId} not delivered ({Failure}); next attempt in {Delay}")]
    private static partial void LogDeliveryFailed(ILogger logger, Guid subscriptionId, Guid eventId, string failure, TimeSpan delay);

    [LoggerMessage(EventId = 3, EventName = "WebhookDeliveryAborted", Level = LogLevel.Warning, Message = "Webhook {SubscriptionId}: delivery aborted; its lease expires and another pass retries")]
    private static partial void LogDeliveryAborted(ILogger logger, Guid subscriptionId, Exception exception);
}
