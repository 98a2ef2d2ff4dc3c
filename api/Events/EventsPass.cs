using Npgsql;

namespace CpxTeleservice.Events;

/// <summary>
/// A periodic pass of the events feature (card-expiring, ended mandates): it runs where
/// <c>Events__DeliveryEnabled</c> is on, once at start and then at its interval; a database failure is logged
/// and left to the next pass. Each pass is idempotent, so instances may run it at once.
/// </summary>
public abstract class EventsPass(bool enabled, TimeSpan interval) : BackgroundService
{
    /// <summary>One pass; returns how many rows it wrote.</summary>
    public abstract Task<int> RunOnceAsync(CancellationToken cancellationToken);

    /// <summary>Logs a failed pass (each pass has its own event name).</summary>
    protected abstract void PassFailed(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                PassFailed(exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
