using System.Runtime.CompilerServices;
using Npgsql;

namespace CpxTeleservice.Parc;

/// <summary>
/// A structure's parc, whole, for the CSV export: read in keyset chunks of <see cref="CardReader.ExportChunk"/> rows
/// in one read-only snapshot, at the same rate for a parc of a thousand cards as of a million, memory flat.
/// <list type="bullet">
/// <item>The first chunk is read before the response starts. It is read through the caller's rights, so rows mean the
/// caller acts for the structure: only an empty one needs the caller's role read, to tell "nothing matches" from
/// "not yours" (as the JSON page does).</item>
/// <item>Each next chunk is read while the one before is written: PostgreSQL reads while the server formats, instead
/// of each waiting for the other.</item>
/// <item>Each chunk is read whole, by its own statement: no statement stays active while a slow client downloads, so
/// that a server-side <c>statement_timeout</c> bounds the reads, not the download (docs/operations.md).</item>
/// </list>
/// </summary>
internal sealed class ParcExport : IAsyncDisposable
{
    private readonly NpgsqlTransaction snapshot;
    private readonly Func<Guid, CancellationToken, Task<List<CardRow>>> readAfter;
    private readonly List<CardRow> first;

    private ParcExport(NpgsqlTransaction snapshot, Func<Guid, CancellationToken, Task<List<CardRow>>> readAfter, List<CardRow> first)
    {
        this.snapshot = snapshot;
        this.readAfter = readAfter;
        this.first = first;
    }

    /// <summary>True when the first chunk is empty: nothing matches, or the caller does not act for the structure.</summary>
    public bool IsEmpty => first.Count == 0;

    /// <summary>Opens the snapshot and reads the first chunk (Npgsql sends the <c>BEGIN</c> with it: one round trip).</summary>
    public static async Task<ParcExport> OpenAsync(NpgsqlConnection connection, Guid structureId, string callerIdNat, CardFilter filter,
        CancellationToken cancellationToken)
    {
        var snapshot = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        try
        {
            var first = await CardReader.PageAsync(connection, snapshot, structureId, callerIdNat, filter, null, CardReader.ExportChunk, cancellationToken);
            return new ParcExport(snapshot,
                (after, token) => CardReader.PageAsync(connection, snapshot, structureId, callerIdNat, filter, after, CardReader.ExportChunk, token), first);
        }
        catch
        {
            await snapshot.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every row, the next chunk read while the rows before it are handed on; the snapshot committed after the last.</summary>
    public async IAsyncEnumerable<CardRow> RowsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var chunk = first;
        Task<List<CardRow>>? next = null;
        try
        {
            while (true)
            {
                next = chunk.Count == CardReader.ExportChunk ? readAfter(chunk[^1].Id, cancellationToken) : null;
                foreach (var row in chunk)
                {
                    yield return row;
                }

                if (next is null)
                {
                    break;
                }

                chunk = await next;
                next = null;
            }
        }
        finally
        {
            // A download stopped midway: the chunk in flight settles before the connection's next command ends the
            // snapshot. Its own failure, if any, is observed here and dropped: the download's failure is the one told.
            if (next is not null)
            {
                await Task.WhenAny(next);
                _ = next.Exception;
            }
        }

        await snapshot.CommitAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => snapshot.DisposeAsync();
}
