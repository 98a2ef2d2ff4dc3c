using CpxTeleservice.Authorization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Parc;
using CpxTeleservice.Persons;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CpxTeleservice.Admin;

/// <summary>An operator registers a card already in the field: how a fresh system learns the cards in use.</summary>
internal static class CardRegistration
{
    /// <summary>The request checked, then in one transaction: the structure named exists, the holder upserted, the card registered under its serial.</summary>
    public static async Task<Results<Created<CardView>, ProblemHttpResult>> Register(
        RegisterCardRequest request, Caller caller, HttpContext http, NpgsqlDataSource dataSource, CardReader cards, CancellationToken cancellationToken)
    {
        var now = http.UtcNow();
        if (Validate(request, now) is { Any: true } errors)
        {
            return errors.ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (request.StructureId is { } structureId && !await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM structures WHERE id = @structureId)", new { structureId }, transaction, cancellationToken: cancellationToken)))
        {
            return new FieldErrors().Add("structureId", "names no registered structure.").ToProblem();
        }

        var holder = request.Holder!;
        var personId = await PersonStore.UpsertAsync(connection, transaction,
            new NewPerson(holder.IdNat!, holder.Nom, holder.Prenom, null, holder.HealthProfessional), cancellationToken);
        var cardId = Guid.CreateVersion7();
        var card = new NewCard(request.CardType!, request.Serial, personId, request.StructureId, request.Profession,
            request.ValidFrom ?? now, request.ValidUntil!.Value, null);
        if (!await CardStore.RegisterAsync(connection, transaction, cardId, card, caller.IdNat, cancellationToken))
        {
            return Problem.Conflict(ProblemTypes.CardSerialTaken, "A card with this serial exists", $"Serial {request.Serial} is already in the registry.");
        }

        await http.AuditAsync(connection, transaction, request.StructureId, $"card {cardId}", $"{request.CardType} {request.Serial}");
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/cards/{cardId}", (await cards.GetAsync(connection, cardId, cancellationToken))!);
    }

    private static FieldErrors Validate(RegisterCardRequest request, DateTime now)
    {
        var errors = new FieldErrors();
        if (request.CardType is not ("CPS" or "CPF" or "CPE" or "CDE" or "CPA"))
        {
            errors.Add("cardType", "must be CPS, CPF, CPE, CDE or CPA.");
        }

        if (request.Serial is null || !CardStore.IsSerial(request.Serial))
        {
            errors.Add("serial", "must be the card's 10-digit serial.");
        }

        // A professional's card names the profession it is issued for; a staff card names none (seed 004 §1.2).
        switch (request.CardType)
        {
            case "CPS" or "CPF" when string.IsNullOrWhiteSpace(request.Profession):
                errors.Add("profession", $"is required for a {request.CardType}: the holder's TRE_G15 profession code.");
                break;
            case "CPE" or "CDE" or "CPA" when request.Profession is not null:
                errors.Add("profession", $"must be absent for a {request.CardType}: it is not a health professional's card.");
                break;
        }

        errors.Required("holder.idNat", request.Holder?.IdNat).Required("holder.nom", request.Holder?.Nom).Required("holder.prenom", request.Holder?.Prenom);
        if (request.ValidUntil is null)
        {
            errors.Add("validUntil", "is required.");
        }
        else if (request.ValidUntil <= (request.ValidFrom ?? now))
        {
            errors.Add("validUntil", "must come after validFrom.");
        }

        return errors;
    }
}
