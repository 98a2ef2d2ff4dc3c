using System.Globalization;
using System.Text;

namespace CpxTeleservice.Parc;

/// <summary>
/// A card's line of the CSV export (RFC 4180), written as UTF-8 straight into the response's buffer: no string per
/// line, per identifier or per date, and no second pass to encode characters into bytes.
/// <list type="bullet">
/// <item>A field holding a comma, a quote or a line break is quoted, its quotes doubled.</item>
/// <item>A field a spreadsheet would read as a formula (=, +, -, @, tab, carriage return first) is prefixed with a
/// quote (CSV injection).</item>
/// <item>Times are UTC, to the second: <c>2027-01-31T23:59:59Z</c>.</item>
/// </list>
/// </summary>
internal static class ParcCsvLine
{
    public static readonly string[] Columns =
        ["id", "card_type", "serial", "state", "holder_id_nat", "holder_nom", "holder_prenom", "profession", "valid_from", "valid_until", "opposed_at", "opposition_reason"];

    /// <summary>The bytes a line takes besides its texts: an identifier, three times, the separators and the line's end.</summary>
    private const int FixedBytes = 36 + (3 * 20) + 11 + 2;

    /// <summary>Writes the line of <paramref name="row"/>; returns its length in bytes.</summary>
    public static int Write(System.Buffers.IBufferWriter<byte> output, CardRow row)
    {
        var span = output.GetSpan(FixedBytes + MaxBytes(row.CardType) + MaxBytes(row.Serial) + MaxBytes(row.State) + MaxBytes(row.HolderIdNat)
            + MaxBytes(row.HolderNom) + MaxBytes(row.HolderPrenom) + MaxBytes(row.Profession) + MaxBytes(row.OppositionReason));
        row.Id.TryFormat(span, out var n);
        n += Next(span[n..], row.CardType);
        n += Next(span[n..], row.Serial);
        n += Next(span[n..], row.State);
        n += Next(span[n..], row.HolderIdNat);
        n += Next(span[n..], row.HolderNom);
        n += Next(span[n..], row.HolderPrenom);
        n += Next(span[n..], row.Profession);
        n += Next(span[n..], row.ValidFrom);
        n += Next(span[n..], row.ValidUntil);
        n += row.OpposedAt is { } opposed ? Next(span[n..], opposed) : Next(span[n..], (string?)null);
        n += Next(span[n..], row.OppositionReason);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        output.Advance(n);
        return n;
    }

    /// <summary>The most bytes a text can take once quoted, prefixed and its quotes doubled.</summary>
    private static int MaxBytes(string? value) => value is null ? 0 : 3 + (2 * Encoding.UTF8.GetMaxByteCount(value.Length));

    /// <summary>A separator, then the time.</summary>
    private static int Next(Span<byte> span, DateTime value)
    {
        span[0] = (byte)',';
        // "s" is the sortable pattern yyyy-MM-ddTHH:mm:ss, formatted without parsing a custom pattern.
        DateTime.SpecifyKind(value, DateTimeKind.Utc).TryFormat(span[1..], out var n, "s", CultureInfo.InvariantCulture);
        span[1 + n] = (byte)'Z';
        return n + 2;
    }

    /// <summary>A separator, then the text, quoted or prefixed as it needs.</summary>
    private static int Next(Span<byte> span, string? value)
    {
        span[0] = (byte)',';
        if (string.IsNullOrEmpty(value))
        {
            return 1;
        }

        var n = 1;
        var quoted = value.AsSpan().IndexOfAny(",\"\r\n") >= 0;
        if (quoted)
        {
            span[n++] = (byte)'"';
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            span[n++] = (byte)'\'';
        }

        if (!quoted)
        {
            return n + Encoding.UTF8.GetBytes(value, span[n..]);
        }

        var rest = value.AsSpan();
        for (var quote = rest.IndexOf('"'); quote >= 0; quote = rest.IndexOf('"'))
        {
            n += Encoding.UTF8.GetBytes(rest[..(quote + 1)], span[n..]);
            span[n++] = (byte)'"';
            rest = rest[(quote + 1)..];
        }

        n += Encoding.UTF8.GetBytes(rest, span[n..]);
        span[n++] = (byte)'"';
        return n;
    }
}
