using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using Npgsql;
using NpgsqlTypes;

namespace CpxTeleservice.Bench;

public sealed record ParcStructure(Guid Id, int Cards, int Index)
{
    /// <summary>The card ids are ordered by position: the cursor of a deep page is the id of the card before it.</summary>
    public Guid CardId(int position) => Growth.Id(Index, 2, position);
}

public sealed record ExportResult(int Cards, long Rows, long Bytes, double Seconds)
{
    public double RowsPerSecond => Rows / Seconds;
    public double MegabytesPerSecond => Bytes / Seconds / 1e6;
}

public sealed record GrowthResult(int Cards, LoadResult First, LoadResult Deep, ExportResult Export);

/// <summary>
/// Parcs of growing size: structures created by SQL with an active contract and the demo legal
/// representative, their card holders and cards loaded by binary COPY. Index 0 is the demo structure,
/// given cards for the REST listing.
/// </summary>
public static class Growth
{
    public static readonly Guid DemoStructure = Guid.Parse("00000000-0000-4000-8000-000000000001");
    public static readonly Guid DemoLegalRepresentative = Guid.Parse("00000000-0000-4000-8000-000000000101");
    private static readonly long Epoch = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static Guid Id(int structure, int kind, long position)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes, ((Epoch + structure) << 16) | 0x7000);
        BinaryPrimitives.WriteInt64BigEndian(bytes[8..], (0x80L << 56) | ((long)kind << 48) | position);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>A mix of card types, so that type=CPE filters: 30 % CPE, 50 % CPS, 10 % CPA, 10 % CDE; one card in 20 in opposition.</summary>
    public static string CardType(long i) => (i % 10) switch { < 3 => "CPE", < 8 => "CPS", 8 => "CPA", _ => "CDE" };

    public static async Task<ParcStructure> LoadAsync(Settings settings, int index, int cards)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString(settings.Database));
        await connection.OpenAsync();
        Guid structureId;
        string idNatPrefix;
        if (index == 0)
        {
            structureId = DemoStructure;
            idNatPrefix = "3750812349";
        }
        else
        {
            structureId = Id(index, 0, 0);
            var finess = "99" + index.ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
            idNatPrefix = "3" + finess;
            await using var create = new NpgsqlCommand(
                """
                INSERT INTO structures (id, finess, id_nat_struct, raison_sociale, secteur_activite, departement, legal_representative_id)
                VALUES (@id, @finess, '1' || @finess, 'CENTRE BENCH ' || @name, 'SA01', '75', @representative);
                INSERT INTO contracts (structure_id, state, approved_at, approved_by) VALUES (@id, 'active', now(), '513000578000015/OPS0001');
                """, connection);
            create.Parameters.AddWithValue("id", structureId);
            create.Parameters.AddWithValue("finess", finess);
            create.Parameters.AddWithValue("name", cards.ToString(System.Globalization.CultureInfo.InvariantCulture));
            create.Parameters.AddWithValue("representative", DemoLegalRepresentative);
            await create.ExecuteNonQueryAsync();
        }

        await using (var persons = await connection.BeginBinaryImportAsync("COPY persons (id, id_nat, nom, prenom, health_professional) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < cards; i++)
            {
                await persons.StartRowAsync();
                persons.Write(Id(index, 1, i), NpgsqlDbType.Uuid);
                persons.Write($"{idNatPrefix}/B{index}-{i}", NpgsqlDbType.Text);
                persons.Write("NOM" + i, NpgsqlDbType.Text);
                persons.Write("PRENOM", NpgsqlDbType.Text);
                persons.Write(CardType(i) == "CPS", NpgsqlDbType.Boolean);
            }

            await persons.CompleteAsync();
        }

        var now = DateTime.UtcNow;
        await using (var rows = await connection.BeginBinaryImportAsync(
            "COPY cards (id, card_type, serial, holder_id, structure_id, profession, state, valid_from, valid_until, opposed_at, opposition_reason) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < cards; i++)
            {
                var type = CardType(i);
                var opposed = i % 20 == 19;
                await rows.StartRowAsync();
                rows.Write(Id(index, 2, i), NpgsqlDbType.Uuid);
                rows.Write(type, NpgsqlDbType.Text);
                rows.Write($"G{index}-{i}", NpgsqlDbType.Text);
                rows.Write(Id(index, 1, i), NpgsqlDbType.Uuid);
                rows.Write(structureId, NpgsqlDbType.Uuid);
                if (type == "CPS")
                {
                    rows.Write("60", NpgsqlDbType.Text);
                }
                else
                {
                    rows.WriteNull();
                }

                rows.Write(opposed ? "opposition" : "active", NpgsqlDbType.Text);
                rows.Write(now.AddDays(-365 + i % 300), NpgsqlDbType.TimestampTz);
                rows.Write(now.AddDays(365 * 2 + i % 300), NpgsqlDbType.TimestampTz);
                if (opposed)
                {
                    rows.Write(now.AddDays(-1), NpgsqlDbType.TimestampTz);
                    rows.Write("lost", NpgsqlDbType.Text);
                }
                else
                {
                    rows.WriteNull();
                    rows.WriteNull();
                }
            }

            await rows.CompleteAsync();
        }

        return new ParcStructure(structureId, cards, index);
    }

    /// <summary>
    /// Every table vacuumed and analysed once the parcs are loaded, the intake's million orders, events and ledger rows
    /// included: otherwise autovacuum catches up on them during the REST phases that follow, and its CPU is counted
    /// as theirs (server.log lists each automatic vacuum: log_autovacuum_min_duration=0).
    /// </summary>
    public static async Task AnalyzeAsync(Settings settings)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString(settings.Database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("VACUUM (ANALYZE)", connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }

    public static string ListPath(Guid structure, string? cursor = null) =>
        $"/api/v1/structures/{structure}/cards?type=CPE&limit=50" + (cursor is null ? "" : "&cursor=" + cursor);

    /// <summary>The cursor a page ends with: base64url of the 16 big-endian bytes of the last id.</summary>
    public static string Cursor(Guid id) => System.Buffers.Text.Base64Url.EncodeToString(id.ToByteArray(bigEndian: true));

    public static async Task<GrowthResult> MeasureAsync(HttpClient client, ParcStructure parc, int requests)
    {
        var load = new RestLoad(client);
        var first = RestLoad.Get($"first page ({parc.Cards:N0})", ListPath(parc.Id));
        // Near the end, with a few pages of CPE cards still after it.
        var deep = RestLoad.Get($"deep page ({parc.Cards:N0})", ListPath(parc.Id, Cursor(parc.CardId(Math.Max(0, parc.Cards - 500)))));
        await load.WarmAsync(first, 20, 1);
        await load.WarmAsync(deep, 20, 1);
        var firstResult = await load.SequentialAsync(first, requests);
        var deepResult = await load.SequentialAsync(deep, requests);

        // The export: at least five runs, and for small parcs as many as fit in 3 s (a cold first run pays the
        // page cache, and the export's own code is still in the JIT's early tiers for its first runs), the best kept.
        var clock = Stopwatch.StartNew();
        ExportResult? best = null;
        for (var run = 0; run < 5 || (clock.Elapsed.TotalSeconds < 3 && run < 2000); run++)
        {
            var result = await ExportAsync(client, parc);
            if (best is null || result.Seconds < best.Seconds)
            {
                best = result;
            }

            if (parc.Cards >= 100_000 && run >= Math.Clamp(300_000 / parc.Cards, 1, 5) - 1)
            {
                break;
            }
        }

        return new GrowthResult(parc.Cards, firstResult, deepResult, best!);
    }

    public static async Task<ExportResult> ExportAsync(HttpClient client, ParcStructure parc)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/structures/{parc.Id}/cards");
        request.Headers.Accept.ParseAdd("text/csv");
        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"export: HTTP {(int)response.StatusCode}");
        }

        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[128 * 1024];
        long bytes = 0, lines = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            bytes += read;
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        return new ExportResult(parc.Cards, lines - 1, bytes, clock.Elapsed.TotalSeconds);
    }
}
