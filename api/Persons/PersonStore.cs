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
            ON CONFLICT (id_nat) DO UPDATE SET updated_at = now()
            RETURNING id
            """, new { id = Guid.CreateVersion7(), person.IdNat, person.Nom, person.Prenom, person.Adeli, person.HealthProfessional },
            transaction, cancellationToken: cancellationToken));
}
