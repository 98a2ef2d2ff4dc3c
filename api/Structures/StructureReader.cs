using Dapper;
using Npgsql;

namespace CpxTeleservice.Structures;

/// <summary>Reads a structure with its legal representative, its contract and the contract's documents.</summary>
internal static class StructureReader
{
    public static async Task<StructureView?> GetAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(Guid Id, string? Finess, string? Siret, string IdNatStruct, string RaisonSociale, string? SecteurActivite, string? Departement,
            string IdNat, string Nom, string Prenom, bool HealthProfessional, string State, DateTime? ApprovedAt)>(new CommandDefinition(
            """
            SELECT s.id, s.finess, s.siret, s.id_nat_struct, s.raison_sociale, s.secteur_activite, s.departement,
                   p.id_nat, p.nom, p.prenom, p.health_professional, c.state, c.approved_at
            FROM structures s JOIN persons p ON p.id = s.legal_representative_id JOIN contracts c ON c.structure_id = s.id
            WHERE s.id = @id
            """, new { id }, cancellationToken: cancellationToken));
        if (row.Id == Guid.Empty)
        {
            return null;
        }

        var documents = await connection.QueryAsync<ContractDocumentView>(new CommandDefinition(
            """
            SELECT id AS Id, kind AS Kind, media_type AS MediaType, file_name AS FileName, size_bytes AS SizeBytes, sha256 AS Sha256, uploaded_at AS UploadedAt
            FROM contract_documents WHERE structure_id = @id ORDER BY uploaded_at
            """, new { id }, cancellationToken: cancellationToken));
        return new StructureView(row.Id, row.Finess, row.Siret, row.IdNatStruct, row.RaisonSociale, row.SecteurActivite, row.Departement,
            new LegalRepresentativeView(row.IdNat, row.Nom, row.Prenom, row.HealthProfessional),
            new ContractView(row.State, row.ApprovedAt, documents.ToList()));
    }
}
