using CpxTeleservice.Domain;
using CpxTeleservice.Intake.V1;
using CpxTeleservice.Orders;
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
            var rows = await OrderStore.PlaceFromRegisterAsync(connection, transaction, new RegisterOrders(
                inscriptions.Select(x => x.Index).ToArray(),
                inscriptions.Select(_ => Guid.CreateVersion7()).ToArray(),
                inscriptions.Select(x => "8" + x.Record.Rpps).ToArray(),
                inscriptions.Select(x => x.Record.Exercise.Profession).ToArray(),
                inscriptions.Select(x => x.Record.Exercise.CategorieProfessionnelle).ToArray(),
                inscriptions.Select(x => x.Record.Exercise.ModeExercice).ToArray(),
                // The RPPS delay runs from the Ordre's transmission (seed 004 §5).
                inscriptions.Select(x => (DateTime?)x.Record.TransmittedAt?.ToDateTime()).ToArray(),
                inscriptions.Select(x => x.Record.Exercise.Place?.Address?.Departement ?? "").ToArray()), source.IdNatStruct, cancellationToken);
            foreach (var (index, orderId) in rows)
            {
                created[kept[index]] = orderId.ToString();
            }
        }

        var opposed = await RadiateAsync(connection, transaction, source, records.Where(r => r.Event == RegistrationEvent.Radiation).Select(r => "8" + r.Rpps).ToArray(), cancellationToken);
        return new ApplyResult(created, rejected, opposed);
    }

}
