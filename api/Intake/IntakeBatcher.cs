using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace CpxTeleservice.Intake;

/// <summary>
/// Turns a bidirectional stream of records into batches bounded by size and time (contract.md, gRPC
/// intake): a reader fills a bounded channel while the previous batch commits; each batch is handed
/// to <c>process</c>, which commits its effects and returns one ack per record, in order; the acks are
/// written only then. A client that stops sending gets its last acks after at most the batch delay.
/// </summary>
public sealed class IntakeBatcher(IOptions<IntakeOptions> options)
{
    public int BatchSize { get; } = options.Value.BatchSize;
    public TimeSpan BatchDelay { get; } = TimeSpan.FromMilliseconds(options.Value.BatchDelayMilliseconds);

    public async Task RunAsync<TRecord, TAck>(
        IAsyncStreamReader<TRecord> requests,
        IServerStreamWriter<TAck> responses,
        Func<IReadOnlyList<TRecord>, CancellationToken, Task<IReadOnlyList<TAck>>> process,
        CancellationToken cancellationToken)
    {
        // One batch read ahead while the previous one commits: memory stays at about two batches per stream.
        var channel = Channel.CreateBounded<TRecord>(new BoundedChannelOptions(BatchSize) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(async () =>
        {
            try
            {
                while (await requests.MoveNext(stop.Token))
                {
                    await channel.Writer.WriteAsync(requests.Current, stop.Token);
                }

                channel.Writer.Complete();
            }
            catch (Exception exception)
            {
                // The client's fault (an oversize message, a cancellation) ends the call once the
                // records before it are committed and acked.
                channel.Writer.Complete(exception);
            }
        }, CancellationToken.None);

        try
        {
            var batch = new List<TRecord>(BatchSize);
            while (await channel.Reader.WaitToReadAsync(cancellationToken))
            {
                var fault = await FillAsync(channel.Reader, batch, cancellationToken);
                if (batch.Count > 0)
                {
                    var acks = await process(batch, cancellationToken);
                    foreach (var ack in acks)
                    {
                        await responses.WriteAsync(ack);
                    }

                    batch.Clear();
                }

                if (fault is not null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fault);
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await reading;
        }
    }

    /// <summary>Fills the batch; returns the reader's fault, if it ended with one, once the records before it are in the batch.</summary>
    private async Task<Exception?> FillAsync<TRecord>(ChannelReader<TRecord> reader, List<TRecord> batch, CancellationToken cancellationToken)
    {
        // The delay is measured on the monotonic clock: a duration, not a date.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (batch.Count < BatchSize)
        {
            if (reader.TryRead(out var record))
            {
                batch.Add(record);
                continue;
            }

            var wait = BatchDelay - System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (wait <= TimeSpan.Zero)
            {
                return null;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(wait);
            try
            {
                if (!await reader.WaitToReadAsync(timeout.Token))
                {
                    return null; // the client half-closed: what we have is the last batch
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return null; // the batch delay is up
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                return exception;
            }
        }

        return null;
    }
}
