using System.Security.Cryptography;
using CpxTeleservice.Domain;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Persons;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Structures;

public sealed record LegalRepresentativeInput(string? IdNat, string? Nom, string? Prenom, bool HealthProfessional);

/// <summary>A structure as the operator records it from the paper contract.</summary>
public sealed record RegisterStructureRequest(
    string? Finess,
    string? Siret,
    string? RaisonSociale,
    string? SecteurActivite,
    string? Departement,
    LegalRepresentativeInput? LegalRepresentative);

public sealed record ContractDocumentView(Guid Id, string Kind, string MediaType, string? FileName, int SizeBytes, string Sha256, DateTime UploadedAt);

public sealed record ContractView(string State, DateTime? ApprovedAt, IReadOnlyList<ContractDocumentView> Documents);

public sealed record LegalRepresentativeView(string IdNat, string Nom, string Prenom, bool HealthProfessional);

public sealed record StructureView(
    Guid Id,
    string? Finess,
    string? Siret,
    string IdNatStruct,
    string RaisonSociale,
    string? SecteurActivite,
    string? Departement,
    LegalRepresentativeView LegalRepresentative,
    ContractView Contract);

public static class StructuresApi
{
    public static readonly string[] DocumentKinds = ["act-of-nomination", "identity-document"];

    public static RouteGroupBuilder MapStructuresApi(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").RequireAuthorization(CardAuthenticationDefaults.OperatorPolicy).WithTags("Administration");
        admin.MapPost("/structures", Register).WithName("RegisterStructure").WithSummary("Register a structure from its paper contract");
        admin.MapPost("/structures/{structureId:guid}/contract/approval", Approve).WithName("ApproveContract").WithSummary("Approve the contract once its documents are attached");

        var structures = api.MapGroup("/structures/{structureId:guid}").WithTags("Structures");
        structures.MapGet("", Get).WithName("GetStructure").WithSummary("The structure, its legal representative and its contract");
        structures.MapGet("/contract/documents/{documentId:guid}", DownloadDocument).WithName("GetContractDocument")
            .WithSummary("One contract document, as uploaded (legal representative and operators)");
        structures.MapPost("/contract/documents", UploadDocument).WithName("UploadContractDocument")
            .WithSummary("Attach the act of nomination or the identity document (PDF, PNG, JPEG)")
            .DisableAntiforgery();
        return api;
    }

    private static async Task<Results<Created<StructureView>, ProblemHttpResult>> Register(
        RegisterStructureRequest request, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var finess = Normalise(request.Finess);
        var siret = Normalise(request.Siret);
        if (finess is null && siret is null)
        {
            errors.Add("finess", "A FINESS or a SIRET number is required.");
        }

        if (finess is not null)
        {
            errors.Check("finess", Identifiers.CheckFiness(finess));
        }

        if (siret is not null)
        {
            errors.Check("siret", Identifiers.CheckSiret(siret));
        }

        errors.Required("raisonSociale", request.RaisonSociale);
        var representative = request.LegalRepresentative;
        if (representative is null)
        {
            errors.Add("legalRepresentative", "is required.");
        }
        else
        {
            errors.Required("legalRepresentative.idNat", representative.IdNat)
                .Required("legalRepresentative.nom", representative.Nom)
                .Required("legalRepresentative.prenom", representative.Prenom);
        }

        // The FINESS starts with the département: two characters, three overseas (971…976).
        var departement = Normalise(request.Departement) ?? (finess is null ? null : finess.StartsWith("97", StringComparison.Ordinal) ? finess[..3] : finess[..2]);
        // The département decides the calendar (Alsace-Moselle) and which ARS visas the structure's CPS orders.
        if (departement is null)
        {
            errors.Add("departement", "is required when the structure has no FINESS.");
        }
        else if (!System.Text.RegularExpressions.Regex.IsMatch(departement, "^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$"))
        {
            errors.Add("departement", "must be a département code (01…95, 2A, 2B, 971…976).");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var personId = await PersonStore.UpsertAsync(connection, transaction,
            new NewPerson(representative!.IdNat!, representative.Nom, representative.Prenom, null, representative.HealthProfessional), cancellationToken);

        var id = Guid.CreateVersion7();
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO structures (id, finess, siret, id_nat_struct, raison_sociale, secteur_activite, departement, legal_representative_id)
            VALUES (@id, @finess, @siret, @idNatStruct, @RaisonSociale, @SecteurActivite, @departement, @personId)
            ON CONFLICT DO NOTHING
            """,
            new { id, finess, siret, idNatStruct = finess is not null ? "1" + finess : "3" + siret, request.RaisonSociale, request.SecteurActivite, departement, personId },
            transaction, cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            return Problem.Conflict(ProblemTypes.StructureAlreadyRegistered, "The structure is already registered",
                $"A structure with FINESS {finess ?? "-"} or SIRET {siret ?? "-"} exists.");
        }

        await connection.ExecuteAsync(new CommandDefinition("INSERT INTO contracts (structure_id) VALUES (@id)", new { id }, transaction, cancellationToken: cancellationToken));
        await http.AuditAsync(connection, transaction, id, $"structure {id}");
        await transaction.CommitAsync(cancellationToken);
        var view = await LoadAsync(connection, id, cancellationToken);
        return TypedResults.Created($"/api/v1/structures/{id}", view!);
    }

    private static async Task<Results<Ok<StructureView>, ProblemHttpResult>> Approve(
        Guid structureId, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var state = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT state FROM contracts WHERE structure_id = @structureId FOR UPDATE", new { structureId }, transaction, cancellationToken: cancellationToken));
        switch (state)
        {
            case null:
                return Problem.NotFound("structure");
            case "active":
                return Problem.Conflict(ProblemTypes.ContractAlreadyActive, "The contract is already active", "It was approved before.");
            case "awaiting-documents":
                return Problem.Rule(ProblemTypes.ContractDocumentsMissing, "The contract's documents are missing",
                    "The act of nomination and the identity document must both be attached before approval (seed 004 §2).");
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE contracts SET state = 'active', approved_at = now(), approved_by = @IdNat WHERE structure_id = @structureId",
            new { http.Caller().IdNat, structureId }, transaction, cancellationToken: cancellationToken));
        await http.AuditAsync(connection, transaction, structureId, $"contract {structureId}");
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok((await LoadAsync(connection, structureId, cancellationToken))!);
    }

    private static async Task<Results<Ok<StructureView>, ProblemHttpResult>> Get(
        Guid structureId, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var caller = http.Caller();
        if (!caller.IsOperator && await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) == StructureRoleKind.None)
        {
            return Problem.Forbidden("You are neither the legal representative nor a mandataire of this structure.");
        }

        return await LoadAsync(connection, structureId, cancellationToken) is { } structure
            ? TypedResults.Ok(structure)
            : Problem.NotFound("structure");
    }

    private static async Task<Results<Created<ContractDocumentView>, ProblemHttpResult>> UploadDocument(
        Guid structureId, HttpContext http, NpgsqlDataSource dataSource, IOptions<ContractOptions> contract, CancellationToken cancellationToken)
    {
        var maxBytes = contract.Value.MaxDocumentBytes;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var role = await Access.RoleAsync(connection, http.Caller().IdNat, structureId, cancellationToken);
        if (role != StructureRoleKind.LegalRepresentative)
        {
            return Problem.Forbidden("Only the structure's legal representative attaches the contract's documents.", ProblemTypes.LegalRepresentativeOnly);
        }

        if (!http.Request.HasFormContentType)
        {
            return new FieldErrors().Add("file", "Send multipart/form-data with the fields 'kind' and 'file'.").ToProblem();
        }

        if (http.Request.ContentLength > maxBytes + 64 * 1024)
        {
            return Problem.Status(StatusCodes.Status413PayloadTooLarge, ProblemTypes.DocumentTooLarge, "The document is too large", $"At most {maxBytes} bytes.");
        }

        var form = await http.Request.ReadFormAsync(cancellationToken);
        var kind = form["kind"].ToString();
        var file = form.Files.GetFile("file");
        var errors = new FieldErrors();
        if (!DocumentKinds.Contains(kind))
        {
            errors.Add("kind", "must be act-of-nomination or identity-document.");
        }

        if (file is null || file.Length == 0)
        {
            errors.Add("file", "is required and must not be empty.");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (file!.Length > maxBytes)
        {
            return Problem.Status(StatusCodes.Status413PayloadTooLarge, ProblemTypes.DocumentTooLarge, "The document is too large", $"At most {maxBytes} bytes.");
        }

        var content = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(content, cancellationToken);
        }

        var mediaType = DocumentTypes.Sniff(content);
        if (mediaType is null)
        {
            return Problem.Rule(ProblemTypes.DocumentTypeNotAllowed, "The document is not a PDF, PNG or JPEG",
                "The type is recognised from the file's bytes, not its name or declared type.");
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var contractState = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT state FROM contracts WHERE structure_id = @structureId FOR UPDATE", new { structureId }, transaction, cancellationToken: cancellationToken));
        if (contractState == "active")
        {
            return Problem.Conflict(ProblemTypes.ContractAlreadyActive, "The contract is already active", "Its documents can no longer change.");
        }

        var maxDocuments = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<LimitsOptions>>().Value.MaxDocumentsPerContract;
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT count(*) FROM contract_documents WHERE structure_id = @structureId", new { structureId }, transaction, cancellationToken: cancellationToken)) >= maxDocuments)
        {
            return Problem.Conflict(ProblemTypes.ContractDocumentsLimit, "The contract holds the most documents allowed", $"At most {maxDocuments} documents (Limits__MaxDocumentsPerContract).");
        }

        var view = new ContractDocumentView(Guid.CreateVersion7(), kind, mediaType, Path.GetFileName(file.FileName), content.Length,
            Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant(), DateTime.UtcNow);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO contract_documents (id, structure_id, kind, media_type, file_name, size_bytes, sha256, content, uploaded_by, uploaded_at)
            VALUES (@Id, @structureId, @Kind, @MediaType, @FileName, @SizeBytes, @Sha256, @content, @uploadedBy, @UploadedAt)
            """,
            new { view.Id, structureId, view.Kind, view.MediaType, view.FileName, view.SizeBytes, view.Sha256, content, uploadedBy = http.Caller().IdNat, view.UploadedAt },
            transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE contracts SET state = 'awaiting-approval'
            WHERE structure_id = @structureId AND state = 'awaiting-documents'
              AND (SELECT count(DISTINCT kind) FROM contract_documents WHERE structure_id = @structureId) = 2
            """, new { structureId }, transaction, cancellationToken: cancellationToken));
        await http.AuditAsync(connection, transaction, structureId, $"contract document {view.Id}", $"{kind} {mediaType} sha256={view.Sha256}");
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/structures/{structureId}/contract/documents/{view.Id}", view);
    }

    /// <summary>The identity document is personal: the legal representative and operators read the documents, mandataires do not.</summary>
    private static async Task<IResult> DownloadDocument(Guid structureId, Guid documentId, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var caller = http.Caller();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!caller.IsOperator && await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) != StructureRoleKind.LegalRepresentative)
        {
            return Problem.Forbidden("Only the structure's legal representative and operators read the contract's documents.", ProblemTypes.LegalRepresentativeOnly);
        }

        var document = await connection.QuerySingleOrDefaultAsync<(byte[] Content, string MediaType, string? FileName, string Sha256)>(new CommandDefinition(
            "SELECT content, media_type, file_name, sha256 FROM contract_documents WHERE id = @documentId AND structure_id = @structureId",
            new { documentId, structureId }, cancellationToken: cancellationToken));
        if (document.Content is null)
        {
            return Problem.NotFound("contract document");
        }

        // Served as stored, typed from its bytes at upload, never sniffed again by the browser.
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Digest"] = "sha-256=" + Convert.ToBase64String(Convert.FromHexString(document.Sha256));
        return Results.File(document.Content, document.MediaType, document.FileName ?? $"{documentId}");
    }

    internal static async Task<StructureView?> LoadAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken)
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

    private static string? Normalise(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim().ToUpperInvariant();
}

/// <summary>The document types a contract accepts, recognised from their first bytes (magic numbers).</summary>
public static class DocumentTypes
{
    public static string? Sniff(ReadOnlySpan<byte> content) =>
        content.StartsWith("%PDF-"u8) ? "application/pdf"
        : content.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? "image/png"
        : content.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "image/jpeg"
        : null;
}
