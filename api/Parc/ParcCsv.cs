using System.Globalization;
using System.Text;
using Npgsql;

namespace CpxTeleservice.Parc;

/// <summary>The CSV export of a parc listing (RFC 4180), streamed while it is read: memory stays flat whatever the parc's size.</summary>
internal static class ParcCsv
{
    private static readonly string[] Columns =
        ["id", "card_type", "serial", "state", "holder_id_nat", "holder_nom", "holder_prenom", "profession", "valid_from", "valid_until", "opposed_at", "opposition_reason"];

    public static bool Wanted(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase));

    public static async Task WriteAsync(HttpContext http, IAsyncEnumerable<CardRow> rows, CancellationToken cancellationToken)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"parc.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), 64 * 1024);
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

        await writer.FlushAsync(cancellationToken);
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
}
