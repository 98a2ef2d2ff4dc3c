using System.Buffers;
using System.Text;

namespace CpxTeleservice.Parc;

/// <summary>The CSV export of a parc listing (RFC 4180), streamed while it is read: memory stays flat whatever the parc's size.</summary>
internal static partial class ParcCsv
{
    private static readonly byte[] Header = Encoding.UTF8.GetBytes(string.Join(',', ParcCsvLine.Columns) + "\r\n");

    /// <summary>What the response's buffer holds before it is flushed to the client.</summary>
    private const int FlushBytes = 64 * 1024;

    public static bool Wanted(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Writes the export. A failure once the 200 is sent (the database gone mid-read, say) cannot become a
    /// problem any more: the response is aborted (HTTP/2 RST_STREAM, HTTP/1.1 connection closed before the
    /// last chunk), so that the client sees a failed download, never a file that looks complete.
    /// </summary>
    public static async Task WriteAsync(HttpContext http, IAsyncEnumerable<CardRow> rows, ILogger logger, CancellationToken cancellationToken)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"parc.csv\"";
        try
        {
            await WriteRowsAsync(http.Response.BodyWriter, rows, cancellationToken);
        }
        catch (Exception exception) when (!http.RequestAborted.IsCancellationRequested)
        {
            Log.ExportFailed(logger, exception, http.TraceIdentifier);
            http.Abort();
        }
    }

    private static async Task WriteRowsAsync(System.IO.Pipelines.PipeWriter body, IAsyncEnumerable<CardRow> rows, CancellationToken cancellationToken)
    {
        body.Write(Header);
        var unflushed = Header.Length;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            unflushed += ParcCsvLine.Write(body, row);
            if (unflushed >= FlushBytes)
            {
                await body.FlushAsync(cancellationToken);
                unflushed = 0;
            }
        }

        await body.FlushAsync(cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "ParcExportFailed", Level = LogLevel.Error,
            Message = "The parc export failed after its response started (request {RequestId}); the response is aborted")]
        public static partial void ExportFailed(ILogger logger, Exception exception, string requestId);
    }
}
