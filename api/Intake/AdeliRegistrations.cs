using CpxTeleservice.Domain;
using CpxTeleservice.Intake.V1;
using Npgsql;
using static CpxTeleservice.Intake.ProfessionalRegister;

namespace CpxTeleservice.Intake;

/// <summary>An ARS's registration of an ADELI professional of its territory.</summary>
public sealed class AdeliRegistrations : IIntakeRecordKind<AdeliRegistration, RegistrationAck>
{
    public static readonly AdeliRegistrations Kind = new();

    public string Stream => "adeli-registrations";

    public string RecordId(AdeliRegistration record) => record.RecordId;

    public long Version(AdeliRegistration record) => record.Version;

    public string Key(AdeliRegistration record) => "0" + record.Adeli;

    public Verdict Validate(IntakeSource source, AdeliRegistration r)
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
    }

    public async Task<ApplyResult> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IntakeSource src, IReadOnlyList<AdeliRegistration> all,
        CancellationToken ct)
    {
        var rejected = await CheckOwnershipAsync(connection, transaction, src, all.Select(r => "0" + r.Adeli).ToList(), "adeli", ct);
        var batch = all.Where((_, i) => !rejected.ContainsKey(i)).ToList();
        await UpsertProfessionalsAsync(connection, transaction, src, batch.Where(r => r.Event != RegistrationEvent.Radiation).Select(r => new Registered(
            "0" + r.Adeli, null, r.Adeli, r.Event, r.Identity, r.Exercise, r.CorrespondenceAddress)).ToList(), ct);
        var opposed = await RadiateAsync(connection, transaction, src, batch.Where(r => r.Event == RegistrationEvent.Radiation).Select(r => "0" + r.Adeli).ToArray(), ct);
        return new ApplyResult([], rejected, opposed);
    }

    public RegistrationAck Ack(AdeliRegistration r, Verdict verdict, string? orderId) =>
        new() { RecordId = r.RecordId, Version = r.Version, Outcome = verdict.Outcome, ReasonCode = verdict.ReasonCode, Field = verdict.Field };
}
