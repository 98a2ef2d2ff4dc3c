using CpxTeleservice.Authorization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CpxTeleservice.Structures;

/// <summary>Structures and their contracts: registered by operators, read by the people who act for them.</summary>
public static class StructuresApi
{
    public static RouteGroupBuilder MapStructuresApi(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").RequireAuthorization(CardAuthenticationDefaults.OperatorPolicy).WithTags("Administration");
        admin.MapPost("/structures", StructureRegistration.Register).WithName("RegisterStructure").WithSummary("Register a structure from its paper contract");
        admin.MapPost("/structures/{structureId:guid}/contract/approval", ContractDocuments.Approve).WithName("ApproveContract")
            .WithSummary("Approve the contract once its documents are attached");

        var structures = api.MapGroup("/structures/{structureId:guid}").WithTags("Structures");
        structures.MapGet("", Get).WithName("GetStructure").WithSummary("The structure, its legal representative and its contract");
        structures.MapGet("/contract/documents/{documentId:guid}", ContractDocuments.Download).WithName("GetContractDocument")
            .WithSummary("One contract document, as uploaded (legal representative and operators)");
        structures.MapPost("/contract/documents", ContractDocuments.Upload).WithName("UploadContractDocument")
            .WithSummary("Attach the act of nomination or the identity document (PDF, PNG, JPEG)")
            .DisableAntiforgery();
        return api;
    }

    private static async Task<Results<Ok<StructureView>, ProblemHttpResult>> Get(
        Guid structureId, Caller caller, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!caller.IsOperator && await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) == StructureRoleKind.None)
        {
            return Problem.Forbidden("You are neither the legal representative nor a mandataire of this structure.");
        }

        return await StructureReader.GetAsync(connection, structureId, cancellationToken) is { } structure
            ? TypedResults.Ok(structure)
            : Problem.NotFound("structure");
    }
}
