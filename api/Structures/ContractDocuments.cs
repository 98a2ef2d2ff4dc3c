using System.Security.Cryptography;
using CpxTeleservice.Authorization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Structures;

/// <summary>
/// The contract of structure (seed 004 §2): the legal representative attaches the act of nomination and
/// the identity document, an operator approves the contract once both are there.
/// </summary>
internal static class ContractDocuments
{
    public static readonly string[] Kinds = ["act-of-nomination", "identity-document"];

    /// <summary>
    /// Approves the contract as reviewed: the request names the documents the operator read, and they must
    /// be the current document of each kind. A document replaced since the review is a 409; uploads take
    /// the same row lock, so none slips in between the check and the approval.
    /// </summary>
    public static async Task<Results<Ok<StructureView>, ProblemHttpResult>> Approve(
        Guid structureId, ContractApprovalRequest? request, Caller caller, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
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

        if (request?.DocumentIds is not { Count: > 0 and <= 2 } reviewed)
        {
            return new FieldErrors().Add("documentIds", "is required: the ids of the documents reviewed, the current one of each kind (two at most).").ToProblem();
        }

        var current = (await connection.QueryAsync<Guid>(new CommandDefinition(
            """
            SELECT DISTINCT ON (kind) id FROM contract_documents WHERE structure_id = @structureId ORDER BY kind, uploaded_at DESC, id DESC
            """, new { structureId }, transaction, cancellationToken: cancellationToken))).ToHashSet();
        if (!current.SetEquals(reviewed))
        {
            return Problem.Conflict(ProblemTypes.ContractDocumentsChanged, "The contract's documents are not the ones reviewed",
                $"The current documents are {string.Join(", ", current.Order())}: review them and approve with their ids.");
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE contracts SET state = 'active', approved_at = cpx_now(), approved_by = @IdNat WHERE structure_id = @structureId",
            new { caller.IdNat, structureId }, transaction, cancellationToken: cancellationToken));
        await http.AuditAsync(connection, transaction, structureId, $"contract {structureId}");
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok((await StructureReader.GetAsync(connection, structureId, cancellationToken))!);
    }

    public static async Task<Results<Created<ContractDocumentView>, ProblemHttpResult>> Upload(
        Guid structureId, Caller caller, HttpContext http, NpgsqlDataSource dataSource, IOptions<ContractOptions> contract, IOptions<LimitsOptions> limits,
        CancellationToken cancellationToken)
    {
        var maxBytes = contract.Value.MaxDocumentBytes;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var role = await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken);
        if (role != StructureRoleKind.LegalRepresentative)
        {
            return Problem.Forbidden("Only the structure's legal representative attaches the contract's documents.", ProblemTypes.LegalRepresentativeOnly);
        }

        var (document, problem) = await ReadAsync(http.Request, maxBytes, cancellationToken);
        if (document is null)
        {
            return problem!;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var contractState = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT state FROM contracts WHERE structure_id = @structureId FOR UPDATE", new { structureId }, transaction, cancellationToken: cancellationToken));
        if (contractState == "active")
        {
            return Problem.Conflict(ProblemTypes.ContractAlreadyActive, "The contract is already active", "Its documents can no longer change.");
        }

        var maxDocuments = limits.Value.MaxDocumentsPerContract;
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT count(*) FROM contract_documents WHERE structure_id = @structureId", new { structureId }, transaction, cancellationToken: cancellationToken)) >= maxDocuments)
        {
            return Problem.Conflict(ProblemTypes.ContractDocumentsLimit, "The contract holds the most documents allowed", $"At most {maxDocuments} documents (Limits__MaxDocumentsPerContract).");
        }

        var view = await StoreAsync(connection, transaction, structureId, document, caller.IdNat, http.UtcNow(), cancellationToken);
        await http.AuditAsync(connection, transaction, structureId, $"contract document {view.Id}", $"{view.Kind} {view.MediaType} sha256={view.Sha256}");
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/structures/{structureId}/contract/documents/{view.Id}", view);
    }

    /// <summary>An uploaded document: its kind, its bytes, its type recognised from them, the name it was sent under.</summary>
    private sealed record UploadedDocument(string Kind, byte[] Content, string MediaType, string? FileName);

    /// <summary>The multipart form, size-limited before and after reading, its document typed from its bytes.</summary>
    private static async Task<(UploadedDocument? Document, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return (null, new FieldErrors().Add("file", "Send multipart/form-data with the fields 'kind' and 'file'.").ToProblem());
        }

        if (request.ContentLength > maxBytes + 64 * 1024)
        {
            return (null, TooLarge(maxBytes));
        }

        var form = await request.ReadFormAsync(cancellationToken);
        var kind = form["kind"].ToString();
        var file = form.Files.GetFile("file");
        var errors = new FieldErrors();
        if (!Kinds.Contains(kind))
        {
            errors.Add("kind", "must be act-of-nomination or identity-document.");
        }

        if (file is null || file.Length == 0)
        {
            errors.Add("file", "is required and must not be empty.");
        }

        if (errors.Any)
        {
            return (null, errors.ToProblem());
        }

        if (file!.Length > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }

        var content = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(content, cancellationToken);
        }

        return DocumentTypes.Sniff(content) is { } mediaType
            ? (new UploadedDocument(kind, content, mediaType, Path.GetFileName(file.FileName)), null)
            : (null, Problem.Rule(ProblemTypes.DocumentTypeNotAllowed, "The document is not a PDF, PNG or JPEG",
                "The type is recognised from the file's bytes, not its name or declared type."));
    }

    private static ProblemHttpResult TooLarge(int maxBytes) =>
        Problem.Status(StatusCodes.Status413PayloadTooLarge, ProblemTypes.DocumentTooLarge, "The document is too large", $"At most {maxBytes} bytes.");

    /// <summary>Stores the document with its SHA-256; the contract awaits approval once both kinds are attached.</summary>
    private static async Task<ContractDocumentView> StoreAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid structureId, UploadedDocument document,
        string uploadedBy, DateTime uploadedAt, CancellationToken cancellationToken)
    {
        var view = new ContractDocumentView(Guid.CreateVersion7(), document.Kind, document.MediaType, document.FileName, document.Content.Length,
            Convert.ToHexString(SHA256.HashData(document.Content)).ToLowerInvariant(), uploadedAt);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO contract_documents (id, structure_id, kind, media_type, file_name, size_bytes, sha256, content, uploaded_by, uploaded_at)
            VALUES (@Id, @structureId, @Kind, @MediaType, @FileName, @SizeBytes, @Sha256, @content, @uploadedBy, @UploadedAt);
            UPDATE contracts SET state = 'awaiting-approval'
            WHERE structure_id = @structureId AND state = 'awaiting-documents'
              AND (SELECT count(DISTINCT kind) FROM contract_documents WHERE structure_id = @structureId) = 2
            """,
            new { view.Id, structureId, view.Kind, view.MediaType, view.FileName, view.SizeBytes, view.Sha256, content = document.Content, uploadedBy, view.UploadedAt },
            transaction, cancellationToken: cancellationToken));
        return view;
    }

    /// <summary>The identity document is personal: the legal representative and operators read the documents, mandataires do not.</summary>
    public static async Task<IResult> Download(Guid structureId, Guid documentId, Caller caller, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
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
}
