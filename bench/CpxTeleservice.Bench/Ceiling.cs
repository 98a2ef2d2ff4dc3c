using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace CpxTeleservice.Bench;

public sealed record CeilingResult(long Records, long Rows, double Seconds, IReadOnlyList<(string Table, long Rows, double Seconds)> Tables)
{
    public double RecordsPerSecond => Records / Seconds;
}

/// <summary>
/// The intake's ceiling: the very rows the intake writes for the same records (persons, professionals,
/// orders, order_events, intake_records and one audit line per batch) loaded by Npgsql binary COPY into
/// a fresh database migrated with the same schema (constraints, indexes and triggers included).
/// Tables go in dependency order on one connection; the ledger and the audit, which depend on nothing,
/// on a second connection at the same time.
/// </summary>
public static class Ceiling
{
    public const string Source = "2775672272";

    private static readonly long Epoch = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static Guid Id(long kind, long index)
    {
        // Time-ordered like the service's UUIDv7, distinct per kind of row.
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, (Epoch << 16) | 0x7000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes[8..], (0x80L << 56) | (kind << 48) | index);
        return new Guid(bytes, bigEndian: true);
    }

    public static async Task<CeilingResult> RunAsync(Settings settings, long records, int batchSize)
    {
        var connectionString = settings.ConnectionString(settings.CeilingDatabase);
        var transmitted = DateTime.UtcNow;
        var now = DateTime.UtcNow;
        const string correspondence = """{"lines":["12 RUE DE LA ROQUETTE"],"codePostal":"75011","commune":"PARIS","departement":"75","pays":""}""";
        var tables = new List<(string, long, double)>();
        var clock = Stopwatch.StartNew();

        async Task Copy(NpgsqlConnection connection, string table, string copy, long rows, Action<NpgsqlBinaryImporter, long> write)
        {
            var started = Stopwatch.StartNew();
            await using (var importer = await connection.BeginBinaryImportAsync(copy))
            {
                for (long i = 0; i < rows; i++)
                {
                    await importer.StartRowAsync();
                    write(importer, i);
                }

                await importer.CompleteAsync();
            }

            lock (tables)
            {
                tables.Add((table, rows, started.Elapsed.TotalSeconds));
            }
        }

        var registry = Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await Copy(connection, "persons", "COPY persons (id, id_nat, nom, prenom, rpps, adeli, health_professional, created_at, updated_at) FROM STDIN (FORMAT BINARY)", records, (w, i) =>
            {
                var rpps = Registrations.Rpps(i);
                w.Write(Id(1, i), NpgsqlDbType.Uuid);
                w.Write("8" + rpps, NpgsqlDbType.Text);
                w.Write(Registrations.Nom(i), NpgsqlDbType.Text);
                w.Write(Registrations.Prenom, NpgsqlDbType.Text);
                w.Write(rpps, NpgsqlDbType.Text);
                w.WriteNull();
                w.Write(true, NpgsqlDbType.Boolean);
                w.Write(now, NpgsqlDbType.TimestampTz);
                w.Write(now, NpgsqlDbType.TimestampTz);
            });
            await Copy(connection, "professionals",
                "COPY professionals (person_id, profession, categorie, mode_exercice, civilite, date_naissance, place_finess, place_siret, place_raison_sociale, place_departement, correspondence, source, radiated_at, updated_at) FROM STDIN (FORMAT BINARY)",
                records, (w, i) =>
                {
                    w.Write(Id(1, i), NpgsqlDbType.Uuid);
                    w.Write(Registrations.Profession, NpgsqlDbType.Text);
                    w.Write("C", NpgsqlDbType.Text);
                    w.Write("L", NpgsqlDbType.Text);
                    w.Write("MME", NpgsqlDbType.Text);
                    w.Write(new DateOnly(1980, 1 + (int)(i % 12), 1 + (int)(i % 28)), NpgsqlDbType.Date);
                    w.Write("750812349", NpgsqlDbType.Text);
                    w.WriteNull();
                    w.Write("CENTRE DE SANTE BENCH", NpgsqlDbType.Text);
                    w.Write("75", NpgsqlDbType.Text);
                    w.Write(correspondence, NpgsqlDbType.Jsonb);
                    w.Write(Source, NpgsqlDbType.Text);
                    w.WriteNull();
                    w.Write(now, NpgsqlDbType.TimestampTz);
                });
            await Copy(connection, "orders",
                "COPY orders (id, structure_id, card_type, kind, holder_id, profession, mode_exercice, state, new_codes, dossier_complete_at, departement, source, created_at, updated_at) FROM STDIN (FORMAT BINARY)",
                records, (w, i) =>
                {
                    w.Write(Id(2, i), NpgsqlDbType.Uuid);
                    w.WriteNull();
                    w.Write("CPS", NpgsqlDbType.Text);
                    w.Write("new", NpgsqlDbType.Text);
                    w.Write(Id(1, i), NpgsqlDbType.Uuid);
                    w.Write(Registrations.Profession, NpgsqlDbType.Text);
                    w.Write("L", NpgsqlDbType.Text);
                    w.Write("submitted", NpgsqlDbType.Text);
                    w.Write(true, NpgsqlDbType.Boolean);
                    w.Write(transmitted, NpgsqlDbType.TimestampTz);
                    w.Write("75", NpgsqlDbType.Text);
                    w.Write(Source, NpgsqlDbType.Text);
                    w.Write(now, NpgsqlDbType.TimestampTz);
                    w.Write(now, NpgsqlDbType.TimestampTz);
                });
            await Copy(connection, "order_events", "COPY order_events (order_id, event, state, occurred_at, recorded_at, actor_id_nat) FROM STDIN (FORMAT BINARY)", records, (w, i) =>
            {
                w.Write(Id(2, i), NpgsqlDbType.Uuid);
                w.Write("placed", NpgsqlDbType.Text);
                w.Write("submitted", NpgsqlDbType.Text);
                w.Write(transmitted, NpgsqlDbType.TimestampTz);
                w.Write(now, NpgsqlDbType.TimestampTz);
                w.Write(Source, NpgsqlDbType.Text);
            });
        });

        var ledger = Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await Copy(connection, "intake_records", "COPY intake_records (source, stream, record_id, version, applied_at) FROM STDIN (FORMAT BINARY)", records, (w, i) =>
            {
                w.Write(Source, NpgsqlDbType.Text);
                w.Write("registrations", NpgsqlDbType.Text);
                w.Write(Registrations.RecordId(i), NpgsqlDbType.Text);
                w.Write(1L, NpgsqlDbType.Bigint);
                w.Write(now, NpgsqlDbType.TimestampTz);
            });
            var batches = (records + batchSize - 1) / batchSize;
            await Copy(connection, "audit_events", "COPY audit_events (actor_id_nat, action, target, outcome, detail) FROM STDIN (FORMAT BINARY)", batches, (w, i) =>
            {
                w.Write(Source, NpgsqlDbType.Text);
                w.Write("intake:registrations", NpgsqlDbType.Text);
                w.Write("Ordre national des infirmiers (demo)", NpgsqlDbType.Text);
                w.Write("ok", NpgsqlDbType.Text);
                w.Write($"{batchSize} accepted", NpgsqlDbType.Text);
            });
        });

        await Task.WhenAll(registry, ledger);
        var seconds = clock.Elapsed.TotalSeconds;
        return new CeilingResult(records, tables.Sum(t => t.Item2), seconds, tables);
    }
}
