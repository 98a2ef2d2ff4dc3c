using System.Text.Json;
using CpxTeleservice.Audit;
using CpxTeleservice.Domain;
using CpxTeleservice.Intake.V1;
using Dapper;
using Npgsql;

namespace CpxTeleservice.Intake;

/// <summary>
/// The effects of the intake records (contract.md, gRPC intake), committed batch by batch with
/// set-based SQL (unnest), never one round trip per record. Per record: validation (REJECTED, with a
/// reason code and the field), then the ledger (DUPLICATE at a version applied before, STALE below the latest applied one and never applied),
/// then the effect. A batch is cut where a record id or a professional repeats, so that each
/// statement touches a row once and records apply in the order they came.
/// </summary>
public sealed class IntakeProcessor(NpgsqlDataSource dataSource, ILogger<IntakeProcessor> logger)
{
    private static readonly string[] Categories = ["C", "E", "F", "M"];
    private static readonly string[] Modes = ["L", "S", "B"];

    /// <summary>A record's verdict before its effect: rejected with a reason, or to be looked up in the ledger.</summary>
    private sealed record Verdict(AckOutcome Outcome, string ReasonCode = "", string Field = "")
    {
        public static readonly Verdict Pending = new(AckOutcome.Unspecified);
        public static Verdict Reject(string reason, string field) => new(AckOutcome.Rejected, reason, field);
    }

    // ------------------------------------------------------------------ Ordre: RPPS registrations

    public Task<IReadOnlyList<RegistrationAck>> ProcessRegistrationsAsync(IntakeSource source, IReadOnlyList<ProfessionalRegistration> records, CancellationToken cancellationToken) =>
        ProcessAsync(source, "registrations", records,
            r => r.RecordId, r => r.Version, r => "8" + r.Rpps,
            r => ValidateRegistration(source, r.RecordId, r.Version, r.Event, r.Identity, r.Exercise, r.CorrespondenceAddress, r.TransmittedAt,
                "rpps", Identifiers.CheckRpps(r.Rpps)),
            ApplyRegistrationsAsync,
            (r, verdict, orderId) => new RegistrationAck
            {
                RecordId = r.RecordId, Version = r.Version, Outcome = verdict.Outcome, ReasonCode = verdict.ReasonCode, Field = verdict.Field, OrderId = orderId ?? "",
            },
            cancellationToken);

    private async Task<ApplyResult> ApplyRegistrationsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IntakeSource source,
        IReadOnlyList<ProfessionalRegistration> all, CancellationToken cancellationToken)
    {
        var rejected = await CheckOwnershipAsync(connection, transaction, source, all.Select(r => "8" + r.Rpps).ToList(), "rpps", cancellationToken);
        var kept = Enumerable.Range(0, all.Count).Where(i => !rejected.ContainsKey(i)).ToList();
        var records = kept.Select(i => all[i]).ToList();
        var live = records.Where(r => r.Event != RegistrationEvent.Radiation).ToList();
        await UpsertProfessionalsAsync(connection, transaction, source, live.Select(r => new Registered(
            "8" + r.Rpps, r.Rpps, null, r.Event, r.Identity, r.Exercise, r.CorrespondenceAddress)).ToList(), cancellationToken);

        // An inscription orders the card when the professional holds no active card, nor a live order,
        // for that profession: a CPF for a student (catégorie E) of the four CPF professions, else a CPS.
        var inscriptions = records.Select((r, i) => (Record: r, Index: i)).Where(x => x.Record.Event == RegistrationEvent.Inscription).ToList();
        var created = new Dictionary<int, string>();
        if (inscriptions.Count > 0)
        {
            var rows = await connection.QueryAsync<(int Index, Guid OrderId)>(new CommandDefinition(
                """
                WITH wanted AS (
                    SELECT u.idx, u.order_id, u.id_nat, u.profession, u.categorie, u.mode_ex, u.transmitted_at, u.departement,
                           CASE WHEN u.categorie = 'E' THEN 'CPF' ELSE 'CPS' END AS card_type
                    FROM unnest(@indexes::int[], @orderIds::uuid[], @idNats::text[], @professions::text[], @categories::text[], @modes::text[],
                                @transmitted::timestamptz[], @departements::text[])
                         AS u(idx, order_id, id_nat, profession, categorie, mode_ex, transmitted_at, departement)
                ), eligible AS (
                    SELECT w.*, p.id AS holder_id
                    FROM wanted w JOIN persons p ON p.id_nat = w.id_nat
                    LEFT JOIN professions f ON f.code = w.profession AND f.valid_from <= w.transmitted_at::date
                                           AND (f.valid_until IS NULL OR f.valid_until > w.transmitted_at::date)
                    WHERE (w.card_type = 'CPS' OR f.cpf_eligible)
                      AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.holder_id = p.id AND c.state = 'active' AND c.valid_until > now()
                                      AND c.profession = w.profession)
                      AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.holder_id = p.id AND o.profession = w.profession AND o.kind = 'new'
                                      AND o.state NOT IN ('completed', 'rejected', 'cancelled'))
                ), inserted AS (
                    INSERT INTO orders (id, structure_id, card_type, kind, holder_id, profession, mode_exercice, state, new_codes,
                                        dossier_complete_at, departement, source)
                    SELECT order_id, NULL, card_type, 'new', holder_id, profession, NULLIF(mode_ex, ''), 'submitted', true,
                           transmitted_at, NULLIF(departement, ''), @source
                    FROM eligible
                    RETURNING id, dossier_complete_at
                ), history AS (
                    INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat)
                    SELECT id, 'placed', 'submitted', dossier_complete_at, @source FROM inserted
                )
                SELECT e.idx, e.order_id FROM eligible e JOIN inserted i ON i.id = e.order_id
                """,
                new
                {
                    indexes = inscriptions.Select(x => x.Index).ToArray(),
                    orderIds = inscriptions.Select(_ => Guid.CreateVersion7()).ToArray(),
                    idNats = inscriptions.Select(x => "8" + x.Record.Rpps).ToArray(),
                    professions = inscriptions.Select(x => x.Record.Exercise.Profession).ToArray(),
                    categories = inscriptions.Select(x => x.Record.Exercise.CategorieProfessionnelle).ToArray(),
                    modes = inscriptions.Select(x => x.Record.Exercise.ModeExercice).ToArray(),
                    // The RPPS delay runs from the Ordre's transmission (seed 004 §5).
                    transmitted = inscriptions.Select(x => x.Record.TransmittedAt?.ToDateTime() ?? DateTime.UtcNow).ToArray(),
                    departements = inscriptions.Select(x => x.Record.Exercise.Place?.Address?.Departement ?? "").ToArray(),
                    source = source.IdNatStruct,
                }, transaction, cancellationToken: cancellationToken));
            foreach (var (index, orderId) in rows)
            {
                created[kept[index]] = orderId.ToString();
            }
        }

        await RadiateAsync(connection, transaction, source, records.Where(r => r.Event == RegistrationEvent.Radiation).Select(r => "8" + r.Rpps).ToArray(), cancellationToken);
        return new ApplyResult(created, rejected);
    }

    /// <summary>
    /// A source acts only on the professionals of its professions (and, for an ARS, of its territory)
    /// as the registry holds them, whatever the record declares: the rows are locked for the batch.
    /// </summary>
    private static async Task<Dictionary<int, Verdict>> CheckOwnershipAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IntakeSource source,
        IReadOnlyList<string> idNats, string identifierField, CancellationToken cancellationToken)
    {
        var existing = (await connection.QueryAsync<(string IdNat, string Profession, string? Departement)>(new CommandDefinition(
            """
            SELECT p.id_nat, pr.profession, pr.place_departement
            FROM persons p JOIN professionals pr ON pr.person_id = p.id
            WHERE p.id_nat = ANY(@idNats)
            ORDER BY p.id_nat
            FOR UPDATE OF pr
            """, new { idNats = idNats.ToArray() }, transaction, cancellationToken: cancellationToken))).ToDictionary(e => e.IdNat, StringComparer.Ordinal);
        var rejected = new Dictionary<int, Verdict>();
        for (var i = 0; i < idNats.Count; i++)
        {
            if (!existing.TryGetValue(idNats[i], out var held))
            {
                continue;
            }

            if (!source.Professions.Contains(held.Profession))
            {
                rejected[i] = Verdict.Reject("professional-not-owned", identifierField);
            }
            else if (source.Kind == IntakeKind.Ars && held.Departement is not null && !source.Departements.Contains(held.Departement))
            {
                rejected[i] = Verdict.Reject("outside-territory", identifierField);
            }
        }

        return rejected;
    }

    // ------------------------------------------------------------------ ARS: ADELI registrations

    public Task<IReadOnlyList<RegistrationAck>> ProcessAdeliRegistrationsAsync(IntakeSource source, IReadOnlyList<AdeliRegistration> records, CancellationToken cancellationToken) =>
        ProcessAsync(source, "adeli-registrations", records,
            r => r.RecordId, r => r.Version, r => "0" + r.Adeli,
            r =>
            {
                var verdict = ValidateRegistration(source, r.RecordId, r.Version, r.Event, r.Identity, r.Exercise, r.CorrespondenceAddress, r.TransmittedAt,
                    "adeli", Identifiers.CheckAdeli(r.Adeli));
                if (verdict.Outcome == AckOutcome.Rejected)
                {
                    return verdict;
                }

                // An ARS registers the professionals of its own territory.
                // The ADELI number starts with the département: three characters overseas (971…976).
                var departement = r.Exercise?.Place?.Address?.Departement is { Length: > 0 } place ? place
                    : r.Adeli.StartsWith("97", StringComparison.Ordinal) ? r.Adeli[..3] : r.Adeli[..2];
                return source.Departements.Contains(departement) ? verdict : Verdict.Reject("outside-territory", "exercise.place.address.departement");
            },
            async (connection, transaction, src, all, ct) =>
            {
                var rejected = await CheckOwnershipAsync(connection, transaction, src, all.Select(r => "0" + r.Adeli).ToList(), "adeli", ct);
                var batch = all.Where((_, i) => !rejected.ContainsKey(i)).ToList();
                await UpsertProfessionalsAsync(connection, transaction, src, batch.Where(r => r.Event != RegistrationEvent.Radiation).Select(r => new Registered(
                    "0" + r.Adeli, null, r.Adeli, r.Event, r.Identity, r.Exercise, r.CorrespondenceAddress)).ToList(), ct);
                await RadiateAsync(connection, transaction, src, batch.Where(r => r.Event == RegistrationEvent.Radiation).Select(r => "0" + r.Adeli).ToArray(), ct);
                return new ApplyResult([], rejected);
            },
            (r, verdict, _) => new RegistrationAck { RecordId = r.RecordId, Version = r.Version, Outcome = verdict.Outcome, ReasonCode = verdict.ReasonCode, Field = verdict.Field },
            cancellationToken);

    // ------------------------------------------------------------------ ARS: visas on CPS orders

    public Task<IReadOnlyList<VisaAck>> ProcessVisaDecisionsAsync(IntakeSource source, IReadOnlyList<VisaDecision> records, CancellationToken cancellationToken) =>
        ProcessAsync(source, "visas", records,
            r => r.RecordId, r => r.Version, r => r.OrderId,
            r => r.RecordId.Length == 0 ? Verdict.Reject("record-id-missing", "record_id")
                : r.Version <= 0 ? Verdict.Reject("version-invalid", "version")
                : !Guid.TryParse(r.OrderId, out _) ? Verdict.Reject("order-id-invalid", "order_id")
                : r.Decision == VisaOutcome.Unspecified ? Verdict.Reject("decision-missing", "decision")
                : r.Decision == VisaOutcome.Refused && string.IsNullOrWhiteSpace(r.Reason) ? Verdict.Reject("reason-missing", "reason")
                : HasNul(r.RecordId, r.Reason) ? Verdict.Reject("nul-character", "reason")
                : !IsValid(r.DecidedAt) ? Verdict.Reject("decided-at-invalid", "decided_at")
                : Verdict.Pending,
            async (connection, transaction, src, batch, ct) =>
            {
                var orders = (await connection.QueryAsync<(Guid Id, string State, string? Departement)>(new CommandDefinition(
                    """
                    SELECT o.id, o.state, COALESCE(s.departement, o.departement)
                    FROM orders o LEFT JOIN structures s ON s.id = o.structure_id
                    WHERE o.id = ANY(@ids) ORDER BY o.id FOR UPDATE OF o
                    """, new { ids = batch.Select(r => Guid.Parse(r.OrderId)).ToArray() }, transaction, cancellationToken: ct))).ToDictionary(o => o.Id);
                var rejected = new Dictionary<int, Verdict>();
                var apply = new List<VisaDecision>();
                for (var i = 0; i < batch.Count; i++)
                {
                    var record = batch[i];
                    // An order the ARS may not see is answered like one that does not exist.
                    if (!orders.TryGetValue(Guid.Parse(record.OrderId), out var order) || order.Departement is null || !src.Departements.Contains(order.Departement))
                    {
                        rejected[i] = Verdict.Reject("order-unknown", "order_id");
                    }
                    else if (order.State != "awaiting-visa")
                    {
                        rejected[i] = Verdict.Reject("order-not-awaiting-visa", "order_id");
                    }
                    else
                    {
                        apply.Add(record);
                    }
                }

                if (apply.Count > 0)
                {
                    // Granted: the dossier is complete from the decision (seed 004 §4.2). Refused: the order ends, with the reason.
                    await connection.ExecuteAsync(new CommandDefinition(
                        """
                        WITH decided AS (
                            SELECT * FROM unnest(@ids::uuid[], @granted::bool[], @reasons::text[], @decidedAt::timestamptz[]) AS d(id, granted, reason, decided_at)
                        ), updated AS (
                            UPDATE orders o SET
                                state = CASE WHEN d.granted THEN 'submitted' ELSE 'rejected' END,
                                dossier_complete_at = CASE WHEN d.granted THEN d.decided_at ELSE o.dossier_complete_at END,
                                rejection_reason = CASE WHEN d.granted THEN o.rejection_reason ELSE d.reason END,
                                updated_at = now()
                            FROM decided d WHERE o.id = d.id
                            RETURNING o.id, o.state, d.granted, d.reason, d.decided_at
                        )
                        INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat, detail)
                        SELECT id, CASE WHEN granted THEN 'visa-granted' ELSE 'visa-refused' END, state, decided_at, @source, NULLIF(reason, '')
                        FROM updated
                        """,
                        new
                        {
                            ids = apply.Select(r => Guid.Parse(r.OrderId)).ToArray(),
                            granted = apply.Select(r => r.Decision == VisaOutcome.Granted).ToArray(),
                            reasons = apply.Select(r => r.Reason).ToArray(),
                            decidedAt = apply.Select(r => r.DecidedAt?.ToDateTime() ?? DateTime.UtcNow).ToArray(),
                            source = src.IdNatStruct,
                        }, transaction, cancellationToken: ct));
                }

                return new ApplyResult([], rejected);
            },
            (r, verdict, _) => new VisaAck { RecordId = r.RecordId, Version = r.Version, Outcome = verdict.Outcome, ReasonCode = verdict.ReasonCode, Field = verdict.Field },
            cancellationToken);

    // ------------------------------------------------------------------ shared

    /// <summary>A timestamp PostgreSQL and .NET can hold (absent is fine: the caller defaults it).</summary>
    private static bool IsValid(Google.Protobuf.WellKnownTypes.Timestamp? timestamp) =>
        timestamp is null
        || (timestamp.Seconds is >= -62_135_596_800L and <= 253_402_300_799L && timestamp.Nanos is >= 0 and <= 999_999_999);

    /// <summary>PostgreSQL text cannot hold a NUL character: such a record is refused alone rather than failing its batch.</summary>
    private static bool HasNul(params string?[] values) => values.Any(v => v is not null && v.Contains('\0'));

    private static bool HasNul(Address? address) =>
        address is not null && (HasNul(address.CodePostal, address.Commune, address.Departement, address.Pays) || address.Lines.Any(l => l.Contains('\0')));

    private static Verdict ValidateRegistration(IntakeSource source, string recordId, long version, RegistrationEvent evt, Identity? identity, Exercise? exercise,
        Address? correspondence, Google.Protobuf.WellKnownTypes.Timestamp? transmittedAt, string identifierField, IdentifierCheck identifier)
    {
        if (recordId.Length == 0)
        {
            return Verdict.Reject("record-id-missing", "record_id");
        }

        if (version <= 0)
        {
            return Verdict.Reject("version-invalid", "version");
        }

        if (evt == RegistrationEvent.Unspecified || !Enum.IsDefined(evt))
        {
            return Verdict.Reject("event-missing", "event");
        }

        if (!identifier.IsValid)
        {
            return Verdict.Reject(identifierField + "-invalid", identifierField);
        }

        if (!IsValid(transmittedAt))
        {
            return Verdict.Reject("transmitted-at-invalid", "transmitted_at");
        }

        if (HasNul(recordId, identity?.NomExercice, identity?.Prenom, exercise?.Profession, exercise?.CategorieProfessionnelle, exercise?.ModeExercice,
                exercise?.Place?.Finess, exercise?.Place?.Siret, exercise?.Place?.RaisonSociale)
            || HasNul(exercise?.Place?.Address) || HasNul(correspondence))
        {
            return Verdict.Reject("nul-character", "");
        }

        if (evt == RegistrationEvent.Radiation)
        {
            return Verdict.Pending;
        }

        if (string.IsNullOrWhiteSpace(identity?.NomExercice))
        {
            return Verdict.Reject("identity-missing", "identity.nom_exercice");
        }

        if (string.IsNullOrWhiteSpace(identity.Prenom))
        {
            return Verdict.Reject("identity-missing", "identity.prenom");
        }

        if (string.IsNullOrEmpty(exercise?.Profession))
        {
            return Verdict.Reject("profession-missing", "exercise.profession");
        }

        // A source registers only the professions it is configured for (contract.md: rejected per record).
        if (!source.Professions.Contains(exercise.Profession))
        {
            return Verdict.Reject("profession-not-allowed", "exercise.profession");
        }

        if (exercise.CategorieProfessionnelle.Length > 0 && !Categories.Contains(exercise.CategorieProfessionnelle))
        {
            return Verdict.Reject("categorie-invalid", "exercise.categorie_professionnelle");
        }

        if (exercise.ModeExercice.Length > 0 && !Modes.Contains(exercise.ModeExercice))
        {
            return Verdict.Reject("mode-exercice-invalid", "exercise.mode_exercice");
        }

        return Verdict.Pending;
    }

    private sealed record Registered(string IdNat, string? Rpps, string? Adeli, RegistrationEvent Event, Identity Identity, Exercise Exercise, Address? Correspondence);

    private static async Task UpsertProfessionalsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IntakeSource source, IReadOnlyList<Registered> records,
        CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            WITH input AS (
                SELECT * FROM unnest(@ids::uuid[], @idNats::text[], @noms::text[], @prenoms::text[], @rpps::text[], @adeli::text[],
                                     @professions::text[], @categories::text[], @modes::text[], @civilites::text[], @births::date[],
                                     @finess::text[], @siret::text[], @raisons::text[], @departements::text[], @correspondence::jsonb[], @inscriptions::bool[])
                    AS u(id, id_nat, nom, prenom, rpps, adeli, profession, categorie, mode, civilite, birth, finess, siret, raison, departement, correspondence, inscription)
            ), people AS (
                INSERT INTO persons (id, id_nat, nom, prenom, rpps, adeli, health_professional)
                SELECT id, id_nat, nom, prenom, rpps, adeli, true FROM input ORDER BY id_nat
                ON CONFLICT (id_nat) DO UPDATE SET nom = EXCLUDED.nom, prenom = EXCLUDED.prenom,
                    rpps = COALESCE(EXCLUDED.rpps, persons.rpps), adeli = COALESCE(EXCLUDED.adeli, persons.adeli),
                    health_professional = true, updated_at = now()
                RETURNING id, id_nat
            )
            INSERT INTO professionals (person_id, profession, categorie, mode_exercice, civilite, date_naissance, place_finess, place_siret,
                                       place_raison_sociale, place_departement, correspondence, source, radiated_at, updated_at)
            SELECT p.id, i.profession, NULLIF(i.categorie, ''), NULLIF(i.mode, ''), NULLIF(i.civilite, ''), i.birth, NULLIF(i.finess, ''), NULLIF(i.siret, ''),
                   NULLIF(i.raison, ''), NULLIF(i.departement, ''), i.correspondence, @source, NULL, now()
            FROM people p JOIN input i ON i.id_nat = p.id_nat
            ORDER BY p.id
            ON CONFLICT (person_id) DO UPDATE SET profession = EXCLUDED.profession, categorie = EXCLUDED.categorie, mode_exercice = EXCLUDED.mode_exercice,
                civilite = EXCLUDED.civilite, date_naissance = EXCLUDED.date_naissance, place_finess = EXCLUDED.place_finess, place_siret = EXCLUDED.place_siret,
                place_raison_sociale = EXCLUDED.place_raison_sociale, place_departement = EXCLUDED.place_departement,
                correspondence = EXCLUDED.correspondence, source = EXCLUDED.source, updated_at = now(),
                -- Only a new inscription brings a radiated professional back.
                radiated_at = CASE WHEN (SELECT bool_or(i2.inscription) FROM input i2 JOIN persons p2 ON p2.id_nat = i2.id_nat WHERE p2.id = EXCLUDED.person_id)
                                   THEN NULL ELSE professionals.radiated_at END
            """,
            new
            {
                ids = records.Select(_ => Guid.CreateVersion7()).ToArray(),
                idNats = records.Select(r => r.IdNat).ToArray(),
                noms = records.Select(r => r.Identity.NomExercice).ToArray(),
                prenoms = records.Select(r => r.Identity.Prenom).ToArray(),
                rpps = records.Select(r => r.Rpps).ToArray(),
                adeli = records.Select(r => r.Adeli).ToArray(),
                professions = records.Select(r => r.Exercise.Profession).ToArray(),
                categories = records.Select(r => r.Exercise.CategorieProfessionnelle).ToArray(),
                modes = records.Select(r => r.Exercise.ModeExercice).ToArray(),
                civilites = records.Select(r => r.Identity.Civilite == Civilite.Unspecified ? "" : r.Identity.Civilite.ToString().ToUpperInvariant()).ToArray(),
                births = records.Select(r => r.Identity.DateNaissance is { Year: > 0 } d && DateOnly.TryParseExact($"{d.Year:D4}-{d.Month:D2}-{d.Day:D2}", "yyyy-MM-dd", out var birth)
                    ? (DateTime?)birth.ToDateTime(TimeOnly.MinValue) : null).ToArray(),
                finess = records.Select(r => r.Exercise.Place?.Finess ?? "").ToArray(),
                siret = records.Select(r => r.Exercise.Place?.Siret ?? "").ToArray(),
                raisons = records.Select(r => r.Exercise.Place?.RaisonSociale ?? "").ToArray(),
                departements = records.Select(r => r.Exercise.Place?.Address?.Departement ?? "").ToArray(),
                correspondence = records.Select(r => r.Correspondence is null ? null : JsonSerializer.Serialize(new
                {
                    lines = r.Correspondence.Lines.ToArray(), codePostal = r.Correspondence.CodePostal, commune = r.Correspondence.Commune,
                    departement = r.Correspondence.Departement, pays = r.Correspondence.Pays,
                })).ToArray(),
                inscriptions = records.Select(r => r.Event == RegistrationEvent.Inscription).ToArray(),
                source = source.IdNatStruct,
            }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>A radiation puts the professional's active cards in opposition (contract.md, gRPC intake).</summary>
    private static async Task RadiateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IntakeSource source, string[] idNats, CancellationToken cancellationToken)
    {
        if (idNats.Length == 0)
        {
            return;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            WITH opposed AS (
                UPDATE cards c SET state = 'opposition', opposed_at = now(), opposition_reason = 'radiation', version = c.version + 1, updated_at = now()
                FROM persons p LEFT JOIN professionals pr ON pr.person_id = p.id
                WHERE p.id = c.holder_id AND p.id_nat = ANY(@idNats) AND c.state = 'active'
                  -- The professional cards of the professions this source registers; staff cards stay.
                  AND c.card_type IN ('CPS', 'CPF') AND COALESCE(c.profession, pr.profession) = ANY(@professions)
                RETURNING c.id
            ), revoked AS (
                UPDATE card_certificates SET revoked_at = now() WHERE card_id IN (SELECT id FROM opposed) AND revoked_at IS NULL
            ), history AS (
                INSERT INTO card_events (card_id, event, actor_id_nat, detail) SELECT id, 'opposition', @source, 'radiation' FROM opposed
            )
            UPDATE professionals pr SET radiated_at = now(), updated_at = now()
            FROM persons p WHERE p.id = pr.person_id AND p.id_nat = ANY(@idNats)
            """, new { idNats, source = source.IdNatStruct, professions = source.Professions.ToArray() }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>What applying a batch did: the orders created, and the records refused on what the database holds (by position in the batch).</summary>
    private sealed record ApplyResult(Dictionary<int, string> Orders, Dictionary<int, Verdict> Rejected)
    {
        public static ApplyResult Empty => new([], []);
    }

    private delegate Task<ApplyResult> ApplyBatch<TRecord>(NpgsqlConnection connection, NpgsqlTransaction transaction, IntakeSource source,
        IReadOnlyList<TRecord> records, CancellationToken cancellationToken);

    /// <summary>
    /// Validation, then per sub-batch (cut where a record id or key repeats) one transaction: the
    /// ledger read under lock, the effects of the records to apply, the ledger written. Acks in order.
    /// A sub-batch the database refuses (a value it cannot store) is retried record by record, and
    /// the record at fault alone is REJECTED: a bad record never ends the stream.
    /// </summary>
    private async Task<IReadOnlyList<TAck>> ProcessAsync<TRecord, TAck>(
        IntakeSource source, string stream, IReadOnlyList<TRecord> records,
        Func<TRecord, string> recordId, Func<TRecord, long> version, Func<TRecord, string> key,
        Func<TRecord, Verdict> validate, ApplyBatch<TRecord> apply, Func<TRecord, Verdict, string?, TAck> ack,
        CancellationToken cancellationToken)
        where TRecord : class
    {
        var verdicts = records.Select(validate).ToArray();
        var orderIds = new string?[records.Count];
        var start = 0;
        while (start < records.Count)
        {
            // The sub-batch: from start, up to the first record whose id or key repeats one already in it.
            var ids = new HashSet<string>(StringComparer.Ordinal);
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var end = start;
            for (; end < records.Count; end++)
            {
                if (verdicts[end].Outcome == AckOutcome.Rejected)
                {
                    continue;
                }

                if (!ids.Add(recordId(records[end])) || !keys.Add(key(records[end])))
                {
                    break;
                }
            }

            var range = Enumerable.Range(start, end - start).ToList();
            try
            {
                await CommitAsync(source, stream, records, range, recordId, version, verdicts, orderIds, apply, cancellationToken);
            }
            catch (PostgresException exception) when (range.Count > 1 && IsDataError(exception))
            {
                logger.LogWarning(exception, "Intake {Stream} from {Source}: a batch was refused by PostgreSQL; retrying its records one by one", stream, source.Name);
                foreach (var i in range.Where(i => verdicts[i].Outcome != AckOutcome.Rejected))
                {
                    try
                    {
                        await CommitAsync(source, stream, records, [i], recordId, version, verdicts, orderIds, apply, cancellationToken);
                    }
                    catch (PostgresException single) when (IsDataError(single))
                    {
                        verdicts[i] = Verdict.Reject("record-not-storable", "");
                    }
                }
            }
            catch (PostgresException exception) when (IsDataError(exception))
            {
                verdicts[range[0]] = Verdict.Reject("record-not-storable", "");
            }

            start = end;
        }

        return records.Select((r, i) => ack(r, verdicts[i], orderIds[i])).ToList();
    }

    /// <summary>Class 22 (data exception) and 23 (integrity constraint violation): the record's values, not the service, are at fault.</summary>
    private static bool IsDataError(PostgresException exception) => exception.SqlState.StartsWith("22", StringComparison.Ordinal) || exception.SqlState.StartsWith("23", StringComparison.Ordinal);

    private async Task CommitAsync<TRecord>(IntakeSource source, string stream, IReadOnlyList<TRecord> records, IReadOnlyList<int> range,
        Func<TRecord, string> recordId, Func<TRecord, long> version, Verdict[] verdicts, string?[] orderIds, ApplyBatch<TRecord> apply,
        CancellationToken cancellationToken)
    {
        var pending = range.Where(i => verdicts[i].Outcome != AckOutcome.Rejected).ToList();
        string[] ledgerIds = [];
        long[] ledgerVersions = [];
        Guid?[] ledgerOrders = [];
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (pending.Count > 0)
        {
            // The record ids are locked before the ledger is read, in a fixed order: a resend racing the
            // first stream waits for it, then finds its versions (and overlapping batches cannot deadlock).
            var ledgerKeys = pending.Select(i => $"intake\n{source.IdNatStruct}\n{stream}\n{recordId(records[i])}").Order(StringComparer.Ordinal).ToArray();
            // One round trip, two statements: the second takes its snapshot once the locks are held.
            Dictionary<string, (long? Latest, bool Applied, Guid? OrderId)> ledger;
            await using (var read = await connection.QueryMultipleAsync(new CommandDefinition(
                """
                SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM (SELECT unnest(@ledgerKeys) AS k ORDER BY 1) keys;
                SELECT w.record_id, r.version AS latest, a.version IS NOT NULL AS applied, a.order_id
                FROM unnest(@ids::text[], @versions::bigint[]) AS w(record_id, version)
                LEFT JOIN intake_records r ON r.source = @source AND r.stream = @stream AND r.record_id = w.record_id
                LEFT JOIN intake_applied_versions a ON a.source = @source AND a.stream = @stream AND a.record_id = w.record_id AND a.version = w.version;
                """, new
                {
                    ledgerKeys, source = source.IdNatStruct, stream,
                    ids = pending.Select(i => recordId(records[i])).ToArray(), versions = pending.Select(i => version(records[i])).ToArray(),
                },
                transaction, cancellationToken: cancellationToken)))
            {
                await read.ReadSingleAsync<long>();
                ledger = (await read.ReadAsync<(string RecordId, long? Latest, bool Applied, Guid? OrderId)>())
                    .ToDictionary(r => r.RecordId, r => (r.Latest, r.Applied, r.OrderId), StringComparer.Ordinal);
            }

            var toApply = new List<int>();
            foreach (var i in pending)
            {
                var (latest, wasApplied, firstOrderId) = ledger.TryGetValue(recordId(records[i]), out var entry) ? entry : (null, false, null);
                if (wasApplied)
                {
                    // That version was applied before, whatever came after: no effect, and the ack says again what the first one said.
                    verdicts[i] = new Verdict(AckOutcome.Duplicate);
                    orderIds[i] = firstOrderId?.ToString();
                }
                else if (latest > version(records[i]))
                {
                    verdicts[i] = new Verdict(AckOutcome.Stale);
                }
                else
                {
                    toApply.Add(i);
                }
            }

            if (toApply.Count > 0)
            {
                var result = await apply(connection, transaction, source, toApply.Select(i => records[i]).ToList(), cancellationToken);
                foreach (var (position, orderId) in result.Orders)
                {
                    orderIds[toApply[position]] = orderId;
                }

                var accepted = new List<int>();
                for (var position = 0; position < toApply.Count; position++)
                {
                    if (result.Rejected.TryGetValue(position, out var rejection))
                    {
                        verdicts[toApply[position]] = rejection;
                    }
                    else
                    {
                        verdicts[toApply[position]] = new Verdict(AckOutcome.Accepted);
                        accepted.Add(toApply[position]);
                    }
                }

                ledgerIds = accepted.Select(i => recordId(records[i])).ToArray();
                ledgerVersions = accepted.Select(i => version(records[i])).ToArray();
                ledgerOrders = accepted.Select(i => orderIds[i] is { } id ? Guid.Parse(id) : (Guid?)null).ToArray();
            }
        }

        // The ledger and one audit line per committed batch (refused records included), in one round trip.
        var counts = range.GroupBy(i => verdicts[i].Outcome).ToDictionary(g => g.Key, g => g.Count());
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO intake_records (source, stream, record_id, version)
            SELECT @source, @stream, * FROM unnest(@ledgerIds::text[], @ledgerVersions::bigint[])
            ON CONFLICT (source, stream, record_id) DO UPDATE SET version = EXCLUDED.version, applied_at = now()
            WHERE intake_records.version < EXCLUDED.version;
            INSERT INTO intake_applied_versions (source, stream, record_id, version, order_id)
            SELECT @source, @stream, * FROM unnest(@ledgerIds::text[], @ledgerVersions::bigint[], @ledgerOrders::uuid[]);
            INSERT INTO audit_events (actor_id_nat, action, target, outcome, detail) VALUES (@source, @action, @name, 'ok', @detail);
            """, new
            {
                source = source.IdNatStruct, stream, ledgerIds, ledgerVersions, ledgerOrders, action = "intake:" + stream, name = source.Name,
                detail = string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Value} {c.Key.ToString().ToLowerInvariant()}")),
            }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        logger.LogDebug("Intake {Stream} from {Source}: {Count} record(s) committed", stream, source.Name, range.Count);
    }
}
