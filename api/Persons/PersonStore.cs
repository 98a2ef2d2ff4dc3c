using Dapper;
using Npgsql;

namespace CpxTeleservice.Persons;

/// <summary>Every write to <c>persons</c>, inside the caller's transaction.</summary>
public static class PersonStore
{
    /// <summary>
    /// The person's id: a new row, or the existing one of that IdNat, unchanged (the registry's identity
    /// is not overwritten by what a structure or an operator types).
    /// </summary>
    public static Task<Guid> UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, NewPerson person, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<Guid>(new CommandDefinition(
            """
            INSERT INTO persons (id, id_nat, nom, prenom, adeli, health_professional) VALUES (@id, @IdNat, @Nom, @Prenom, @Adeli, @HealthProfessional)
            ON CONFLICT (id_nat) DO UPDATE SET updated_at = cpx_now()
            RETURNING id
            """, new { id = Guid.CreateVersion7(), person.IdNat, person.Nom, person.Prenom, person.Adeli, person.HealthProfessional },
            transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Professionals as a register (Ordre, ARS) names them, set-based (arrays of equal length): new rows, or
    /// the existing ones updated, since the register is the reference for their identity.
    /// </summary>
    public static Task UpsertFromRegisterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RegisteredPersons batch,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO persons (id, id_nat, nom, prenom, rpps, adeli, health_professional)
            SELECT id, id_nat, nom, prenom, rpps, adeli, true
            FROM unnest(@Ids::uuid[], @IdNats::text[], @Noms::text[], @Prenoms::text[], @Rpps::text[], @Adeli::text[]) AS u(id, id_nat, nom, prenom, rpps, adeli)
            ORDER BY id_nat
            ON CONFLICT (id_nat) DO UPDATE SET nom = EXCLUDED.nom, prenom = EXCLUDED.prenom,
                rpps = COALESCE(EXCLUDED.rpps, persons.rpps), adeli = COALESCE(EXCLUDED.adeli, persons.adeli),
                health_professional = true, updated_at = cpx_now()
            """, new { batch.Ids, batch.IdNats, batch.Noms, batch.Prenoms, batch.Rpps, batch.Adeli }, transaction, cancellationToken: cancellationToken));
}
