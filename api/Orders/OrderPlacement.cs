using System.Security.Cryptography;
using System.Text.Json;
using CpxTeleservice.Audit;
using CpxTeleservice.Authorization;
using CpxTeleservice.Domain;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Persons;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace CpxTeleservice.Orders;

/// <summary>
/// A structure places an order (seed 004 §4): the caller acts for the structure, the request is
/// well-formed, the contract is active, the holder is the structure's to name, the card's rules pass;
/// then the order is placed, once per Idempotency-Key.
/// </summary>
internal static class OrderPlacement
{
    private static readonly string[] ModesExercice = ["L", "S", "B"];

    public static async Task<IResult> Create(Guid structureId, CreateOrderRequest request, Caller caller, HttpContext http, NpgsqlDataSource dataSource,
        OrderReader reader, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        var result = await PlaceOrRefuseAsync(structureId, request, caller, http, dataSource, reader, json, cancellationToken);
        Telemetry.CpxMetrics.OrderPlaced(request.CardType, result);
        return result;
    }

    private static async Task<IResult> PlaceOrRefuseAsync(Guid structureId, CreateOrderRequest request, Caller caller, HttpContext http, NpgsqlDataSource dataSource,
        OrderReader reader, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        if (Idempotency.ReadKey(http.Request, out var key) is { } badKey)
        {
            return badKey;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (Validate(request) is { Any: true } errors)
        {
            // A caller who may not order is told so before anything of the body.
            return RefuseCaller(caller, await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken)) ?? errors.ToProblem();
        }

        var requestHash = Idempotency.Hash(structureId.ToString(), request, json.Value.SerializerOptions);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var idempotency = new Idempotency(connection, transaction, caller.IdNat, "orders", key);
        var opening = await OpenAsync(connection, transaction, http, caller, structureId, idempotency, requestHash, cancellationToken);
        if (RefuseCaller(caller, opening.Role) is { } refused)
        {
            return refused;
        }

        if (await idempotency.AnswerAsync(http, opening.Locked, opening.Claimed, requestHash, cancellationToken) is { } answer)
        {
            return answer;
        }

        if (RefuseInactiveContract(opening.Structure) is { } inactive)
        {
            return inactive;
        }

        var structure = opening.Structure!;

        var (holder, holderProblem) = await ResolveHolderAsync(connection, transaction, structure, request, cancellationToken);
        if (holder is null)
        {
            return holderProblem!;
        }

        var verdict = await EvaluateCardRulesAsync(connection, transaction, structure, request, holder, cancellationToken);
        if (verdict.Refused)
        {
            return Problem.Rule(verdict.ProblemType!, verdict.Title!, verdict.Detail!);
        }

        var orderId = Guid.CreateVersion7();
        var newOrder = NewOrderOf(structureId, request, await HolderIdAsync(connection, transaction, request, holder, cancellationToken), verdict.InitialState!, caller, http.UtcNow());
        var (live, order) = await PlaceUnlessLiveAsync(connection, transaction, orderId, newOrder,
            http.SuccessEntry(structureId, $"order {orderId}", $"{request.CardType} for {holder.IdNat}"), reader, cancellationToken);
        return live is not null ? AlreadyHeld(request.CardType!, live) : await CommitAsync(http, transaction, idempotency, order!, json.Value.SerializerOptions, cancellationToken);
    }

    /// <summary>The placed order's 201, stored for the key's retries, committed with the order.</summary>
    private static async Task<IResult> CommitAsync(HttpContext http, NpgsqlTransaction transaction, Idempotency idempotency, OrderView order,
        JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(order, options);
        var location = $"/api/v1/orders/{order.Id}";
        await idempotency.StoreAsync(StatusCodes.Status201Created, body, location, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Idempotency.Respond(http, StatusCodes.Status201Created, body, location);
    }

    private const string StructureStatement =
        """
        SELECT c.state AS ContractState, p.id_nat AS LegalRepresentativeIdNat, p.id AS LegalRepresentativeId,
               p.health_professional AS LegalRepresentativeHealthProfessional, s.id_nat_struct AS IdNatStruct
        FROM structures s JOIN contracts c ON c.structure_id = s.id JOIN persons p ON p.id = s.legal_representative_id
        WHERE s.id = @structureId
        """;

    /// <summary>
    /// The transaction's first round trip: the caller's role in the structure, the Idempotency-Key's claim and
    /// the structure. The claim is acted on only once the role allows the order; a refused caller's claim
    /// goes with the transaction, which is never committed.
    /// </summary>
    private static async Task<(StructureRoleKind Role, bool Locked, bool Claimed, StructureForOrder? Structure)> OpenAsync(NpgsqlConnection connection,
        NpgsqlTransaction transaction, HttpContext http, Caller caller, Guid structureId, Idempotency idempotency, string requestHash, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(idempotency.ClaimParameters(http, requestHash));
        parameters.AddDynamicParams(new { idNat = caller.IdNat, structureId });
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"{Access.RoleStatement};\n{Idempotency.ClaimStatement};\n{StructureStatement}", parameters, transaction, cancellationToken: cancellationToken));
        var role = Access.RoleOf(await results.ReadAsync<string>());
        var (locked, claimed) = await results.ReadSingleAsync<(bool Locked, bool Claimed)>();
        return (role, locked, claimed, await results.ReadSingleOrDefaultAsync<StructureForOrder>());
    }

    /// <summary>Rule 1: the structure's contract is active (a structure read without one has none).</summary>
    private static ProblemHttpResult? RefuseInactiveContract(StructureForOrder? structure) =>
        structure?.ContractState == "active"
            ? null
            : Problem.Rule(ProblemTypes.ContractNotActive, "The structure's contract is not active",
                "Cards are ordered once the contract of structure is signed, its documents attached and approved (seed 004 §2).");

    /// <summary>
    /// Rules 3 and 4: which card, for whom, through which channel, as the dated catalogue has it at the
    /// instant the order is placed (the transaction's time, which the order is created at).
    /// </summary>
    private static async Task<RuleVerdict> EvaluateCardRulesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, StructureForOrder structure,
        CreateOrderRequest request, OrderHolder holder, CancellationToken cancellationToken)
    {
        var profession = request.CardType == "CPS"
            ? await ProfessionCatalogue.FindAtAsync(connection, transaction, request.Profession!, null, cancellationToken)
            : null;
        return OrderRules.Evaluate(new OrderFacts(request.CardType!, holder.HealthProfessional, holder.IdNat == structure.LegalRepresentativeIdNat,
            request.Profession, profession, request.ModeExercice));
    }

    /// <summary>Rule 2: the legal representative or an active mandataire, with a card that acts for a structure.</summary>
    private static ProblemHttpResult? RefuseCaller(Caller caller, StructureRoleKind role)
    {
        if (role == StructureRoleKind.None)
        {
            return Problem.Forbidden("You are neither the legal representative nor an active mandataire of this structure.");
        }

        return Access.CardMayActForStructure(caller.CardType, role)
            ? null
            : Problem.Forbidden($"A {caller.CardType} does not act for a structure: use a CPS, CPE or CPA, or the legal representative's CDE.", ProblemTypes.CallerCardNotAllowed);
    }

    private static FieldErrors Validate(CreateOrderRequest request)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(request.CardType))
        {
            return errors.Add("cardType", "is required: CPS, CPE or CDE.");
        }

        if (request.ModeExercice is not null && !ModesExercice.Contains(request.ModeExercice))
        {
            errors.Add("modeExercice", "must be L (libéral), S (salarié) or B (bénévole) (TRE_R23).");
        }

        switch (request.CardType)
        {
            case "CPS":
                errors.Required("profession", request.Profession)
                    .Required("holder.nom", request.Holder?.Nom)
                    .Required("holder.prenom", request.Holder?.Prenom);
                if (request.Holder?.Adeli is { } adeli)
                {
                    errors.Check("holder.adeli", Identifiers.CheckAdeli(adeli));
                }
                else
                {
                    errors.Add("holder.adeli", "is required for a CPS ordered by a structure (ADELI professions).");
                }

                break;
            case "CPE":
                errors.Required("holder.nom", request.Holder?.Nom).Required("holder.prenom", request.Holder?.Prenom);
                break;
        }

        return errors;
    }

    /// <summary>
    /// The holder's IdNat is the structure's to give only within its own namespace: 0+ADELI for a CPS,
    /// 3+FINESS/… or 5+SIRET/… of this structure for a CPE, the legal representative for a CDE. A holder
    /// the registry knows must be named as the registry names them.
    /// </summary>
    private static async Task<(OrderHolder? Holder, ProblemHttpResult? Problem)> ResolveHolderAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        StructureForOrder structure, CreateOrderRequest request, CancellationToken cancellationToken)
    {
        var holder = request.Holder ?? new HolderInput(null, null, null, null, null);
        var cardType = request.CardType!;
        var staffPrefix = structure.StaffPrefix;
        var idNat = cardType switch
        {
            "CDE" => holder.IdNat ?? structure.LegalRepresentativeIdNat,
            "CPS" => "0" + holder.Adeli,
            _ => holder.IdNat ?? staffPrefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)),
        };
        if (cardType == "CPS" && holder.IdNat is not null && holder.IdNat != idNat)
        {
            return (null, new FieldErrors().Add("holder.idNat", "of an ADELI professional is 0 followed by the ADELI number.").ToProblem());
        }

        if (cardType == "CPE" && !idNat.StartsWith(staffPrefix, StringComparison.Ordinal))
        {
            return (null, new FieldErrors().Add("holder.idNat", $"of the structure's staff starts with {staffPrefix}.").ToProblem());
        }

        var existing = await connection.QuerySingleOrDefaultAsync<RegisteredPerson>(new CommandDefinition(
            "SELECT id, health_professional, nom, prenom FROM persons WHERE id_nat = @idNat FOR UPDATE",
            new { idNat }, transaction, cancellationToken: cancellationToken));
        if (existing is { } known && cardType != "CDE"
            && (!string.Equals(known.Nom, holder.Nom?.Trim(), StringComparison.OrdinalIgnoreCase) || !string.Equals(known.Prenom, holder.Prenom?.Trim(), StringComparison.OrdinalIgnoreCase)))
        {
            return (null, new FieldErrors().Add("holder", $"{idNat} is registered under another name: check the IdNat or the name.").ToProblem());
        }

        var healthProfessional = cardType == "CDE"
            ? structure.LegalRepresentativeHealthProfessional
            : cardType == "CPS" || (holder.HealthProfessional ?? false) || (existing?.HealthProfessional ?? false);
        return (new OrderHolder(idNat, existing?.Id, healthProfessional), null);
    }

    /// <summary>
    /// The holder in the registry, its row locked by this transaction (the read of a known holder locks it,
    /// the upsert of a new one too): orders for one holder are placed one after the other.
    /// </summary>
    private static async Task<Guid> HolderIdAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CreateOrderRequest request,
        OrderHolder holder, CancellationToken cancellationToken)
    {
        var input = request.Holder ?? new HolderInput(null, null, null, null, null);
        return holder.PersonId ?? await PersonStore.UpsertAsync(connection, transaction,
            new NewPerson(holder.IdNat, input.Nom, input.Prenom, input.Adeli, holder.HealthProfessional), cancellationToken);
    }

    /// <summary>
    /// Rule 5, one live card per holder and kind in a structure, and the order, in one round trip: the order
    /// placed unless the holder holds an active card of that type for the structure or has one on order
    /// (<see cref="OrderStore.PlaceUnlessLive"/>), read back with its history, and its audit line. When a live
    /// card or order is found, nothing was placed and the transaction is not committed.
    /// </summary>
    private static async Task<(LiveCardOrOrder? Live, OrderView? Order)> PlaceUnlessLiveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid orderId, NewOrder order, AuditEntry audit, OrderReader reader, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(audit);
        parameters.AddDynamicParams(OrderStore.PlaceParameters(orderId, order));
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"{OrderStore.PlaceUnlessLive};\n{OrderReader.ReadBack};\n{AuditLog.Insert}", parameters, transaction, cancellationToken: cancellationToken));
        var live = await results.ReadSingleOrDefaultAsync<LiveCardOrOrder>();
        return (live, await reader.ReadBackAsync(results));
    }

    /// <summary>The answer to an order for a holder who already holds a live card or order of that type: renew, replace, or follow it.</summary>
    private static ProblemHttpResult AlreadyHeld(string cardType, LiveCardOrOrder live) => live.Kind == "card"
        ? Problem.Conflict(ProblemTypes.CardAlreadyHeld, $"The holder already holds an active {cardType} of this structure",
            $"Card {live.Id} is active: renew it (POST /api/v1/cards/{live.Id}/renewal), or put it in opposition with a replacement "
            + $"(POST /api/v1/cards/{live.Id}/opposition) if it is lost, stolen or broken.")
        : Problem.Conflict(ProblemTypes.CardAlreadyHeld, $"A {cardType} for this holder is already on order",
            $"Order {live.Id} is under way: follow it (GET /api/v1/orders/{live.Id}), or cancel it before ordering another.");

    /// <summary>The order: waiting for the ARS visa, or submitted with its dossier complete now.</summary>
    private static NewOrder NewOrderOf(Guid structureId, CreateOrderRequest request, Guid holderId, string initialState, Caller caller, DateTime now) =>
        new(structureId, request.CardType!, "new", holderId, request.Profession, request.ModeExercice, initialState, NewCodes: true,
            initialState == "submitted" ? now : null, null, caller.IdNat, caller.CardSerial);
}
