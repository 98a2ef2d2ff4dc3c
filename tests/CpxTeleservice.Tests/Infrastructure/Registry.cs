using CpxTeleservice.DevPki;
using Dapper;
using Npgsql;

namespace CpxTeleservice.Tests.Infrastructure;

/// <summary>Writes registry rows straight into a test database, for tests that need a card to exist.</summary>
public static class Registry
{
    private static int _serial = 1_000_000;

    /// <summary>A fresh card identity with a unique serial and IdNat.</summary>
    public static CardIdentity NewStaffCard(string structureFiness = "750812349", string? nom = null)
    {
        var serial = NextSerial();
        return new CardIdentity($"3{structureFiness}/T{serial}", nom ?? "TESTEUR", "CAMILLE", 2, serial,
            Organisation: "STRUCTURE DE TEST", OrganisationUnit: "1" + structureFiness);
    }

    public static CardIdentity NewProfessionalCard(int profession = 60, string title = "Infirmier")
    {
        var serial = NextSerial();
        return new CardIdentity("8" + "101" + serial[2..], "SOIGNANT", "ALEX", 0, serial, Profession: profession, Title: title);
    }

    public static string NextSerial() => "7" + Interlocked.Increment(ref _serial).ToString("D9");

    public static async Task<Guid> AddPersonAsync(NpgsqlDataSource db, CardIdentity card, bool healthProfessional = false)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<Guid>(
            """
            INSERT INTO persons (id, id_nat, nom, prenom, health_professional) VALUES (@id, @IdNat, @Nom, @Prenom, @hp)
            ON CONFLICT (id_nat) DO UPDATE SET nom = EXCLUDED.nom
            RETURNING id
            """, new { id = Guid.CreateVersion7(), card.IdNat, card.Nom, card.Prenom, hp = healthProfessional });
    }

    public static async Task<Guid> AddCardAsync(NpgsqlDataSource db, CardIdentity card, string cardType, Guid? structureId = null,
        string state = "active", DateTimeOffset? validUntil = null)
    {
        var person = await AddPersonAsync(db, card, cardType is "CPS" or "CPF");
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<Guid>(
            """
            INSERT INTO cards (id, card_type, serial, holder_id, structure_id, profession, state, valid_from, valid_until, opposed_at)
            VALUES (@id, @cardType, @CardSerial, @person, @structureId, @profession, @state, now() - interval '2 days', @validUntil,
                    CASE WHEN @state = 'opposition' THEN now() END)
            RETURNING id
            """,
            new
            {
                id = Guid.CreateVersion7(), cardType, card.CardSerial, person, structureId, profession = card.Profession?.ToString(), state,
                validUntil = (validUntil ?? DateTimeOffset.UtcNow.AddYears(3)).UtcDateTime,
            });
    }

    public static async Task<Guid> AddStructureAsync(NpgsqlDataSource db, string finess, string name, Guid legalRepresentative)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<Guid>(
            """
            INSERT INTO structures (id, finess, id_nat_struct, raison_sociale, legal_representative_id)
            VALUES (@id, @finess, '1' || @finess, @name, @legalRepresentative) RETURNING id
            """, new { id = Guid.CreateVersion7(), finess, name, legalRepresentative });
    }

    public static async Task AddMandataireAsync(NpgsqlDataSource db, Guid structureId, Guid person, Guid designatedBy)
    {
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync(
            "INSERT INTO mandataires (id, structure_id, person_id, designated_by) VALUES (gen_random_uuid(), @structureId, @person, @designatedBy)",
            new { structureId, person, designatedBy });
    }

    public static async Task<Guid> PersonIdAsync(NpgsqlDataSource db, string idNat)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<Guid>("SELECT id FROM persons WHERE id_nat = @idNat", new { idNat });
    }

    /// <summary>Records a certificate of a card, as the registry knows it (issuer and serial number, as a CRL names it).</summary>
    public static async Task AddCertificateAsync(NpgsqlDataSource db, Guid cardId, string usage, string issuer, string serialNumber)
    {
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO card_certificates (id, card_id, usage, issuer, serial_number, subject, thumbprint_sha256, not_before, not_after)
            VALUES (gen_random_uuid(), @cardId, @usage, @issuer, @serialNumber, 'CN=TEST', md5(random()::text) || md5(random()::text), now(), now() + interval '3 years')
            """, new { cardId, usage, issuer, serialNumber });
    }
}
