using CpxTeleservice.Domain;
using CpxTeleservice.Intake.V1;
using Dapper;
using Npgsql;
using static CpxTeleservice.Intake.ProfessionalRegister;

namespace CpxTeleservice.Intake;

/// <summary>
/// An Ordre's registration of an RPPS professional: inscription (the professional and, when they
/// hold no active card nor a live order for the profession, the card order), modification, radiation.
/// </summary>
public sealed class Registrations : IIntakeRecordKind<ProfessionalRegistration, RegistrationAck>
{
    public static readonly Registrations Kind = new();

    public string Stream => "registrations";

    public string RecordId(ProfessionalRegistration record) => record.RecordId;

    public long Version(ProfessionalRegistration record) => record.Version;

    public string Key(ProfessionalRegistration record) => "8" + record.Rpps;

    public Verdict Validate(IntakeSource source, ProfessionalRegistration r) =>
        ValidateRegistration(source, r.RecordId, r.Version, r.Event, r.Identity, r.Exercise, r.CorrespondenceAddress, r.TransmittedAt,
            "rpps", Identifiers.CheckRpps(r.Rpps));

    public RegistrationAck Ack(ProfessionalRegistration r, Verdict verdict, string? orderId) => new()
    {
        RecordId = r.RecordId, Version = r.Version, Outcome = verdict.Outcome, ReasonCode = verdict.ReasonCode, Field = verdict.Field, OrderId = orderId ?? "",
    };

    public async Task<ApplyResult> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IntakeSource source,
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

}
