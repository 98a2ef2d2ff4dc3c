using System.Globalization;
using System.Text;
using Npgsql;

namespace CpxTeleservice.Parc;

/// <summary>The CSV export of a parc listing (RFC 4180), streamed while it is read: memory stays flat whatever the parc's size.</summary>
internal static partial class ParcCsv
{
    private static readonly string[] Columns =
        ["id", "card_type", "serial", "state", "holder_id_nat", "holder_nom", "holder_prenom", "profession", "valid_from", "valid_until", "opposed_at", "opposition_reason"];

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
        var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), 64 * 1024);
        try
        {
            await WriteRowsAsync(writer, rows, cancellationToken);
            await writer.FlushAsync(cancellationToken);
        }
        catch (Exception exception) when (!http.RequestAborted.IsCancellationRequested)
        {
            Log.ExportFailed(logger, exception, http.TraceIdentifier);
            http.Abort();
            return;
        }

        await writer.DisposeAsync();
    }

    private static async Task WriteRowsAsync(StreamWriter writer, IAsyncEnumerable<CardRow> rows, CancellationToken cancellationToken)
    {
        await writer.WriteAsync(string.Join(',', Columns) + "\r\n");
        var line = new StringBuilder(256);
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            line.Clear();
            Append(line, row.Id.ToString()).Append(',');
            Append(line, row.CardType).Append(',');
            Append(line, row.Serial).Append(',');
            Append(line, row.State).Append(',');
            Append(line, row.HolderIdNat).Append(',');
            Append(line, row.HolderNom).Append(',');
            Append(line, row.HolderPrenom).Append(',');
            Append(line, row.Profession).Append(',');
            Append(line, Iso(row.ValidFrom)).Append(',');
            Append(line, Iso(row.ValidUntil)).Append(',');
            Append(line, row.OpposedAt is { } opposed ? Iso(opposed) : null).Append(',');
            Append(line, row.OppositionReason).Append("\r\n");
            await writer.WriteAsync(line, cancellationToken);
        }
    }

    private static string Iso(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static StringBuilder Append(StringBuilder line, string? value)
    {
        if (value is null)
        {
            return line;
        }

        // A field that a spreadsheet would read as a formula is prefixed with a quote (CSV injection).
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? line.Append('"').Append(value.Replace("\"", "\"\"")).Append('"') : line.Append(value);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "ParcExportFailed", Level = LogLevel.Error,
            Message = "The parc export failed after its response started (request {RequestId}); the response is aborted")]
        public static partial void ExportFailed(ILogger logger, Exception exception, string requestId);
    }
}
