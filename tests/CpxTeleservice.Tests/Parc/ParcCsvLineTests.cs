using System.Buffers;
using System.Text;
using CpxTeleservice.Parc;

namespace CpxTeleservice.Tests.Parc;

/// <summary>The export's line (RFC 4180), written as UTF-8 into the response's buffer (api/Parc/ParcCsvLine.cs).</summary>
public class ParcCsvLineTests
{
    private static CardRow Row(string nom = "MARTIN", string prenom = "Éloïse", string? reason = null, DateTime? opposedAt = null) => new()
    {
        Id = Guid.Parse("0195b3c8-2d08-79c0-9d87-1321729e538a"), CardType = "CPE", Serial = "6200000042", State = "active",
        HolderIdNat = "3750812349/RL0001", HolderNom = nom, HolderPrenom = prenom, Profession = null,
        ValidFrom = new DateTime(2024, 2, 1, 8, 30, 5, DateTimeKind.Utc), ValidUntil = new DateTime(2027, 1, 31, 23, 59, 59, DateTimeKind.Utc),
        OpposedAt = opposedAt, OppositionReason = reason,
    };

    private static string Line(CardRow row)
    {
        var output = new ArrayBufferWriter<byte>();
        var length = ParcCsvLine.Write(output, row);
        Assert.Equal(output.WrittenCount, length);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void Line_holds_the_columns_in_order_times_in_UTC_to_the_second_texts_in_UTF8_and_a_null_as_an_empty_field()
    {
        Assert.Equal("0195b3c8-2d08-79c0-9d87-1321729e538a,CPE,6200000042,active,3750812349/RL0001,MARTIN,Éloïse,,2024-02-01T08:30:05Z,2027-01-31T23:59:59Z,,\r\n",
            Line(Row()));
        Assert.Equal(ParcCsvLine.Columns.Length, Line(Row()).Split(',').Length);
    }

    [Fact]
    public void Field_with_a_comma_a_quote_or_a_line_break_is_quoted_with_its_quotes_doubled()
    {
        var line = Line(Row(nom: "DUPONT, \"LE\" GRAND", prenom: "A\r\nB", reason: "\"\"", opposedAt: new DateTime(2026, 12, 2, 10, 0, 0, DateTimeKind.Utc)));
        Assert.EndsWith(",\"DUPONT, \"\"LE\"\" GRAND\",\"A\r\nB\",,2024-02-01T08:30:05Z,2027-01-31T23:59:59Z,2026-12-02T10:00:00Z,\"\"\"\"\"\"\r\n", line);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+33 1 02", "'+33 1 02")]
    [InlineData("-1+1,2", "\"'-1+1,2\"")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tTAB", "'\tTAB")]
    [InlineData("\rCR", "\"'\rCR\"")]
    [InlineData("MARTIN-DUPONT", "MARTIN-DUPONT")]
    public void Field_a_spreadsheet_would_read_as_a_formula_is_prefixed_with_a_quote_CSV_injection(string nom, string field)
    {
        Assert.Contains($",3750812349/RL0001,{field},Éloïse,", Line(Row(nom: nom)), StringComparison.Ordinal);
    }
}
