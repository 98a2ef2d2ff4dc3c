using System.Text.Json;
using CpxTeleservice.Domain;
using CpxTeleservice.Intake.V1;
using CpxTeleservice.Parc;
using CpxTeleservice.Persons;
using CpxTeleservice.Orders;
using Dapper;
using Npgsql;

namespace CpxTeleservice.Intake;

/// <summary>
/// What the two registration kinds share: their validation, who owns a professional, and their
/// effects on persons, professionals and cards.
/// </summary>
public static class ProfessionalRegister
{
    private static readonly string[] Categories = ["C", "E", "F", "M"];
    private static readonly string[] Modes = ["L", "S", "B"];

    /// <summary>
    /// A source acts only on the professionals of its professions (and, for an ARS, of its territory)
    /// as the registry holds them, whatever the record declares: the rows are locked for the batch.
    /// </summary>
    public static async Task<Dictionary<int, Verdict>> CheckOwnershipAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IntakeSource source,
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


    /// <summary>A timestamp PostgreSQL and .NET can hold (absent is fine: the caller defaults it).</summary>
    public static bool IsValid(Google.Protobuf.WellKnownTypes.Timestamp? timestamp) =>
        timestamp is null
        || (timestamp.Seconds is >= -62_135_596_800L and <= 253_402_300_799L && timestamp.Nanos is >= 0 and <= 999_999_999);

    /// <summary>PostgreSQL text cannot hold a NUL character: such a record is refused alone rather than failing its batch.</summary>
    public static bool HasNul(params string?[] values) => values.Any(v => v is not null && v.Contains('\0'));

    public static bool HasNul(Address? address) =>
        address is not null && (HasNul(address.CodePostal, address.Commune, address.Departement, address.Pays) || address.Lines.Any(l => l.Contains('\0')));

    /// <summary>The record's envelope, then (for an inscription or a modification; a radiation needs no more) the professional it describes: REJECTED with a reason, or pending.</summary>
    public static Verdict ValidateRegistration(IntakeSource source, string recordId, long version, RegistrationEvent evt, Identity? identity, Exercise? exercise,
        Address? correspondence, Google.Protobuf.WellKnownTypes.Timestamp? transmittedAt, string identifierField, IdentifierCheck identifier)
    {
        if (ValidateEnvelope(recordId, version, evt, transmittedAt, identifierField, identifier) is { } invalid)
        {
            return invalid;
        }

        if (HasNul(recordId, identity?.NomExercice, identity?.Prenom, exercise?.Profession, exercise?.CategorieProfessionnelle, exercise?.ModeExercice,
                exercise?.Place?.Finess, exercise?.Place?.Siret, exercise?.Place?.RaisonSociale)
            || HasNul(exercise?.Place?.Address) || HasNul(correspondence))
        {
            return Verdict.Reject("nul-character", "");
        }

        return evt == RegistrationEvent.Radiation ? Verdict.Pending : ValidateProfessional(source, identity, exercise);
    }

    /// <summary>The record id, its version, its event, the professional's identifier and the transmission time; null when all hold.</summary>
    private static Verdict? ValidateEnvelope(string recordId, long version, RegistrationEvent evt, Google.Protobuf.WellKnownTypes.Timestamp? transmittedAt,
        string identifierField, IdentifierCheck identifier)
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

        return null;
    }

    /// <summary>The professional's identity and exercise: names present, a profession the source registers, known category and mode.</summary>
    private static Verdict ValidateProfessional(IntakeSource source, Identity? identity, Exercise? exercise)
    {
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

    public sealed record Registered(string IdNat, string? Rpps, string? Adeli, RegistrationEvent Event, Identity Identity, Exercise Exercise, Address? Correspondence);

    public static async Task UpsertProfessionalsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IntakeSource source, IReadOnlyList<Registered> records,
        CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        await PersonStore.UpsertFromRegisterAsync(connection, transaction, new RegisteredPersons(
            records.Select(_ => Guid.CreateVersion7()).ToArray(),
            records.Select(r => r.IdNat).ToArray(),
            records.Select(r => r.Identity.NomExercice).ToArray(),
            records.Select(r => r.Identity.Prenom).ToArray(),
            records.Select(r => r.Rpps).ToArray(),
            records.Select(r => r.Adeli).ToArray()), cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            WITH input AS (
                SELECT * FROM unnest(@idNats::text[], @professions::text[], @categories::text[], @modes::text[], @civilites::text[], @births::date[],
                                     @finess::text[], @siret::text[], @raisons::text[], @departements::text[], @correspondence::jsonb[], @inscriptions::bool[])
                    AS u(id_nat, profession, categorie, mode, civilite, birth, finess, siret, raison, departement, correspondence, inscription)
            )
            INSERT INTO professionals (person_id, profession, categorie, mode_exercice, civilite, date_naissance, place_finess, place_siret,
                                       place_raison_sociale, place_departement, correspondence, source, radiated_at, updated_at)
            SELECT p.id, i.profession, NULLIF(i.categorie, ''), NULLIF(i.mode, ''), NULLIF(i.civilite, ''), i.birth, NULLIF(i.finess, ''), NULLIF(i.siret, ''),
                   NULLIF(i.raison, ''), NULLIF(i.departement, ''), i.correspondence, @source, NULL, cpx_now()
            FROM persons p JOIN input i ON i.id_nat = p.id_nat
            ORDER BY p.id
            ON CONFLICT (person_id) DO UPDATE SET profession = EXCLUDED.profession, categorie = EXCLUDED.categorie, mode_exercice = EXCLUDED.mode_exercice,
                civilite = EXCLUDED.civilite, date_naissance = EXCLUDED.date_naissance, place_finess = EXCLUDED.place_finess, place_siret = EXCLUDED.place_siret,
                place_raison_sociale = EXCLUDED.place_raison_sociale, place_departement = EXCLUDED.place_departement,
                correspondence = EXCLUDED.correspondence, source = EXCLUDED.source, updated_at = cpx_now(),
                -- Only a new inscription brings a radiated professional back.
                radiated_at = CASE WHEN (SELECT bool_or(i2.inscription) FROM input i2 JOIN persons p2 ON p2.id_nat = i2.id_nat WHERE p2.id = EXCLUDED.person_id)
                                   THEN NULL ELSE professionals.radiated_at END
            """,
            new
            {
                idNats = records.Select(r => r.IdNat).ToArray(),
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

    /// <summary>
    /// A radiation cancels the professional's orders under way and puts their active cards in opposition (contract.md,
    /// gRPC intake). Returns the number of cards put in opposition.
    /// </summary>
    public static async Task<int> RadiateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IntakeSource source, string[] idNats, CancellationToken cancellationToken)
    {
        if (idNats.Length == 0)
        {
            return 0;
        }

        var professions = source.Professions.ToArray();
        await OrderStore.CancelForRadiationAsync(connection, transaction, idNats, professions, source.IdNatStruct, cancellationToken);
        var opposed = await CardStore.OpposeRadiatedAsync(connection, transaction, idNats, professions, source.IdNatStruct, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE professionals pr SET radiated_at = cpx_now(), updated_at = cpx_now()
            FROM persons p WHERE p.id = pr.person_id AND p.id_nat = ANY(@idNats)
            """, new { idNats }, transaction, cancellationToken: cancellationToken));
        return opposed;
    }

}
