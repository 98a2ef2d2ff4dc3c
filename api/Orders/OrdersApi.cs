using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CpxTeleservice.Domain;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Persons;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Orders;

public sealed record HolderInput(string? IdNat, string? Nom, string? Prenom, string? Adeli, bool? HealthProfessional);

/// <summary>A structure's order: a CPS (ADELI profession, form 201), a CPE (form 301) or a CDE (form 101).</summary>
public sealed record CreateOrderRequest(string? CardType, HolderInput? Holder, string? Profession, string? ModeExercice);

public static class OrdersApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    private static readonly string[] ModesExercice = ["L", "S", "B"];

    public static RouteGroupBuilder MapOrdersApi(this RouteGroupBuilder api)
    {
        var structureOrders = api.MapGroup("/structures/{structureId:guid}/orders").WithTags("Orders");
        structureOrders.MapPost("", Create).WithName("CreateOrder").WithSummary("Order a CPS (ADELI profession), a CPE or a CDE");
        structureOrders.MapGet("", ListForStructure).WithName("ListStructureOrders").WithSummary("The structure's orders, newest last, cursor-paginated");

        var orders = api.MapGroup("/orders/{orderId:guid}").WithTags("Orders");
        orders.MapGet("", Get).WithName("GetOrder").WithSummary("One order with its history and expected dates");
        orders.MapPost("/cancellation", Cancel).WithName("CancelOrder").WithSummary("Cancel an order before production");

        api.MapGet("/me/orders", Mine).WithName("ListMyOrders").WithTags("Me").WithSummary("The caller's own orders, wherever they were placed");
        return api;
    }

    private static async Task<IResult> Create(
        Guid structureId, CreateOrderRequest request, HttpContext http, NpgsqlDataSource dataSource, OrderReader reader,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var caller = http.Caller();
        var key = http.Request.Headers[IdempotencyKeyHeader].ToString();
        if (key.Length == 0)
        {
            return Problem.Status(StatusCodes.Status400BadRequest, ProblemTypes.IdempotencyKeyMissing, "Idempotency-Key is required",
                "Send a unique Idempotency-Key header with every order; retry with the same key to get the same order.");
        }

        if (key.Length > 255)
        {
            return Problem.Status(StatusCodes.Status400BadRequest, ProblemTypes.BadRequest, "Idempotency-Key is too long", "At most 255 characters.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var role = await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken);
        if (role == StructureRoleKind.None)
        {
            return Problem.Forbidden("You are neither the legal representative nor an active mandataire of this structure.");
        }

        if (!Access.CardMayActForStructure(caller.CardType, role))
        {
            return Problem.Forbidden($"A {caller.CardType} does not act for a structure: use a CPS, CPE or CPA, or the legal representative's CDE.", ProblemTypes.CallerCardNotAllowed);
        }

        var errors = Validate(request);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var options = json.Value.SerializerOptions;
        var requestHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{structureId}\n{JsonSerializer.Serialize(request, options)}")));
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // A request with this key still running holds the lock: answer 409 rather than wait.
        var locked = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT pg_try_advisory_xact_lock(hashtextextended(@lockKey, 0))",
            new { lockKey = $"idempotency\n{caller.IdNat}\n{key}" }, transaction, cancellationToken: cancellationToken));
        if (!locked)
        {
            return Problem.Conflict(ProblemTypes.IdempotencyKeyInUse, "A request with this Idempotency-Key is in progress", "Retry once it has finished to get its response.");
        }

        var claimed = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO idempotency_keys (caller_id_nat, scope, key, request_hash, status_code, response_body)
            VALUES (@IdNat, 'orders', @key, @requestHash, 0, '')
            ON CONFLICT DO NOTHING
            """, new { caller.IdNat, key, requestHash }, transaction, cancellationToken: cancellationToken));
        if (claimed == 0)
        {
            var stored = await connection.QuerySingleAsync<(string RequestHash, int StatusCode, string ResponseBody, string? Location)>(new CommandDefinition(
                "SELECT request_hash, status_code, response_body, location FROM idempotency_keys WHERE caller_id_nat = @IdNat AND scope = 'orders' AND key = @key",
                new { caller.IdNat, key }, transaction, cancellationToken: cancellationToken));
            if (stored.RequestHash != requestHash)
            {
                return Problem.Rule(ProblemTypes.IdempotencyKeyReused, "This Idempotency-Key was used for another request",
                    "Use a new key for a different order.");
            }

            http.Response.Headers["Idempotent-Replayed"] = "true";
            if (stored.Location is not null)
            {
                http.Response.Headers.Location = stored.Location;
            }

            return Results.Text(stored.ResponseBody, "application/json", Encoding.UTF8, stored.StatusCode);
        }

        var structure = await connection.QuerySingleAsync<(string ContractState, string LegalRepresentativeIdNat, Guid LegalRepresentativeId, bool LegalRepresentativeHealthProfessional, string IdNatStruct)>(new CommandDefinition(
            """
            SELECT c.state, p.id_nat, p.id, p.health_professional, s.id_nat_struct
            FROM structures s JOIN contracts c ON c.structure_id = s.id JOIN persons p ON p.id = s.legal_representative_id
            WHERE s.id = @structureId
            """, new { structureId }, transaction, cancellationToken: cancellationToken));
        if (structure.ContractState != "active")
        {
            return Problem.Rule(ProblemTypes.ContractNotActive, "The structure's contract is not active",
                "Cards are ordered once the contract of structure is signed, its documents attached and approved (seed 004 §2).");
        }

        var holder = request.Holder ?? new HolderInput(null, null, null, null, null);
        var cardType = request.CardType!;
        // The holder's IdNat is the structure's to give only within its own namespace: 0+ADELI for a CPS,
        // 3+FINESS/… or 5+SIRET/… of this structure for a CPE, the legal representative for a CDE.
        var staffPrefix = StaffPrefix(structure.IdNatStruct);
        var holderIdNat = cardType switch
        {
            "CDE" => holder.IdNat ?? structure.LegalRepresentativeIdNat,
            "CPS" => "0" + holder.Adeli,
            _ => holder.IdNat ?? StaffIdNat(staffPrefix),
        };
        if (cardType == "CPS" && holder.IdNat is not null && holder.IdNat != holderIdNat)
        {
            return new FieldErrors().Add("holder.idNat", "of an ADELI professional is 0 followed by the ADELI number.").ToProblem();
        }

        if (cardType == "CPE" && !holderIdNat.StartsWith(staffPrefix, StringComparison.Ordinal))
        {
            return new FieldErrors().Add("holder.idNat", $"of the structure's staff starts with {staffPrefix}.").ToProblem();
        }

        var existing = await connection.QuerySingleOrDefaultAsync<PersonRow>(new CommandDefinition(
            "SELECT id AS Id, health_professional AS HealthProfessional, nom AS Nom, prenom AS Prenom FROM persons WHERE id_nat = @holderIdNat FOR UPDATE",
            new { holderIdNat }, transaction, cancellationToken: cancellationToken));
        if (existing is not null && cardType != "CDE"
            && (!string.Equals(existing.Nom, holder.Nom?.Trim(), StringComparison.OrdinalIgnoreCase) || !string.Equals(existing.Prenom, holder.Prenom?.Trim(), StringComparison.OrdinalIgnoreCase)))
        {
            return new FieldErrors().Add("holder", $"{holderIdNat} is registered under another name: check the IdNat or the name.").ToProblem();
        }
        var healthProfessional = cardType == "CPS" || (holder.HealthProfessional ?? false) || (existing?.HealthProfessional ?? false);
        if (cardType == "CDE")
        {
            healthProfessional = structure.LegalRepresentativeHealthProfessional;
        }

        Profession? profession = null;
        if (cardType == "CPS")
        {
            profession = await ProfessionCatalogue.FindAsync(connection, transaction, request.Profession!, DateOnly.FromDateTime(DateTime.UtcNow), cancellationToken);
        }

        var verdict = OrderRules.Evaluate(new OrderFacts(cardType, healthProfessional, holderIdNat == structure.LegalRepresentativeIdNat,
            request.Profession, profession, request.ModeExercice));
        if (verdict.Refused)
        {
            return Problem.Rule(verdict.ProblemType!, verdict.Title!, verdict.Detail!);
        }

        var holderId = existing?.Id ?? await PersonStore.UpsertAsync(connection, transaction,
            new NewPerson(holderIdNat, holder.Nom, holder.Prenom, holder.Adeli, healthProfessional), cancellationToken);

        var now = DateTime.UtcNow;
        var orderId = await OrderStore.PlaceAsync(connection, transaction, new NewOrder(
            structureId, cardType, "new", holderId, request.Profession, request.ModeExercice, verdict.InitialState!, NewCodes: true,
            verdict.InitialState == "submitted" ? now : null, null, caller.IdNat, caller.CardSerial), cancellationToken);

        var view = await reader.GetAsync(connection, orderId, cancellationToken, transaction);
        var body = JsonSerializer.Serialize(view, options);
        var location = $"/api/v1/orders/{orderId}";
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE idempotency_keys SET status_code = 201, response_body = @body, location = @location WHERE caller_id_nat = @IdNat AND scope = 'orders' AND key = @key",
            new { body, location, caller.IdNat, key }, transaction, cancellationToken: cancellationToken));
        await http.AuditAsync(connection, transaction, structureId, $"order {orderId}", $"{cardType} for {holderIdNat}");
        await transaction.CommitAsync(cancellationToken);

        http.Response.Headers.Location = location;
        return Results.Text(body, "application/json", Encoding.UTF8, StatusCodes.Status201Created);
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

    /// <summary>The IdNat prefix of a structure's staff cards: 3+FINESS/ or 5+SIRET/ (domain.md, Identifiers).</summary>
    private static string StaffPrefix(string idNatStruct) => (idNatStruct[0] == '1' ? "3" : "5") + idNatStruct[1..] + "/";

    private static string StaffIdNat(string prefix) => prefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(6));

    private static async Task<Results<Ok<Page<OrderView>>, ProblemHttpResult>> ListForStructure(
        Guid structureId, string? state, string? cardType, string? cursor, int? limit,
        HttpContext http, NpgsqlDataSource dataSource, OrderReader reader, CancellationToken cancellationToken)
    {
        if (FieldErrors.Filters(cursor, out var after, ("state", state, Problem.OrderStates), ("cardType", cardType, Problem.CardTypes)) is { } invalid)
        {
            return invalid;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var caller = http.Caller();
        var take = Cursor.Limit(limit);
        var rows = await reader.QueryAsync(connection,
            """
            WHERE o.structure_id = @structureId
              AND o.structure_id IN (SELECT structure_id FROM caller_structures(@IdNat))
              AND (@state::text IS NULL OR o.state = @state) AND (@cardType::text IS NULL OR o.card_type = @cardType)
              AND (@after::uuid IS NULL OR o.id > @after)
            ORDER BY o.id LIMIT @take
            """, new { structureId, caller.IdNat, state, cardType, after, take = take + 1 }, cancellationToken);
        if (rows.Count == 0 && await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) == StructureRoleKind.None)
        {
            return Problem.Forbidden("You are neither the legal representative nor a mandataire of this structure.");
        }

        return TypedResults.Ok(rows.ToPage(take, o => o.Id));
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> Get(
        Guid orderId, HttpContext http, NpgsqlDataSource dataSource, OrderReader reader, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var caller = http.Caller();
        var visible = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            """
            SELECT EXISTS (SELECT 1 FROM orders o JOIN persons p ON p.id = o.holder_id WHERE o.id = @orderId
                           AND (@IsOperator OR o.structure_id IN (SELECT structure_id FROM caller_structures(@IdNat)) OR p.id_nat = @IdNat))
            """, new { orderId, caller.IdNat, caller.IsOperator }, cancellationToken: cancellationToken));
        if (!visible)
        {
            http.AuditStructure(await OwningStructureAsync(connection, orderId, cancellationToken));
            return Problem.NotFound("order");
        }

        return TypedResults.Ok((await reader.GetAsync(connection, orderId, cancellationToken))!);
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> Cancel(
        Guid orderId, HttpContext http, NpgsqlDataSource dataSource, OrderReader reader, CancellationToken cancellationToken)
    {
        var caller = http.Caller();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var order = await connection.QuerySingleOrDefaultAsync<OrderAccessRow>(new CommandDefinition(
            """
            SELECT o.structure_id AS StructureId, o.state AS State, r.role AS Role FROM orders o JOIN caller_structures(@IdNat) r ON r.structure_id = o.structure_id
            WHERE o.id = @orderId ORDER BY r.role LIMIT 1 FOR UPDATE OF o
            """, new { orderId, caller.IdNat }, transaction, cancellationToken: cancellationToken));
        if (order is null)
        {
            http.AuditStructure(await OwningStructureAsync(connection, orderId, cancellationToken, transaction));
            return Problem.NotFound("order");
        }

        var role = order.Role == "legal-representative" ? StructureRoleKind.LegalRepresentative : StructureRoleKind.Mandataire;
        http.AuditStructure(order.StructureId);
        if (!Access.CardMayActForStructure(caller.CardType, role))
        {
            return Problem.Forbidden($"A {caller.CardType} does not act for a structure.", ProblemTypes.CallerCardNotAllowed);
        }

        if (!OrderLifecycle.Cancellable.Contains(order.State))
        {
            return Problem.Conflict(ProblemTypes.OrderStateConflict, "The order can no longer be cancelled",
                $"It is {order.State}: an order is cancelled only before production.");
        }

        await OrderStore.CancelAsync(connection, transaction, orderId, caller.IdNat, cancellationToken);
        await http.AuditAsync(connection, transaction, order.StructureId, $"order {orderId}");
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok((await reader.GetAsync(connection, orderId, cancellationToken))!);
    }

    private static async Task<Results<Ok<Page<OrderView>>, ProblemHttpResult>> Mine(
        string? cursor, int? limit, HttpContext http, NpgsqlDataSource dataSource, OrderReader reader, CancellationToken cancellationToken)
    {
        if (!Cursor.TryDecode(cursor, out var after))
        {
            return new FieldErrors().Add("cursor", "is not a cursor this service issued.").ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var take = Cursor.Limit(limit);
        var rows = await reader.QueryAsync(connection,
            "WHERE p.id_nat = @IdNat AND (@after::uuid IS NULL OR o.id > @after) ORDER BY o.id LIMIT @take",
            new { http.Caller().IdNat, after, take = take + 1 }, cancellationToken);
        return TypedResults.Ok(rows.ToPage(take, o => o.Id));
    }

    private sealed class PersonRow
    {
        public Guid Id { get; set; }
        public bool HealthProfessional { get; set; }
        public string Nom { get; set; } = "";
        public string Prenom { get; set; } = "";
    }

    private sealed class OrderAccessRow
    {
        public Guid StructureId { get; set; }
        public string State { get; set; } = "";
        public string Role { get; set; } = "";
    }

    /// <summary>The structure behind an order, for the audit of a refused access only: never shown to the caller.</summary>
    internal static Task<Guid?> OwningStructureAsync(NpgsqlConnection connection, Guid orderId, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null) =>
        connection.ExecuteScalarAsync<Guid?>(new CommandDefinition("SELECT structure_id FROM orders WHERE id = @orderId", new { orderId }, transaction, cancellationToken: cancellationToken));
}

public static class ProfessionCatalogue
{
    /// <summary>The profession as the dated catalogue has it on <paramref name="day"/>.</summary>
    public static Task<Profession?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string code, DateOnly day, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<Profession?>(new CommandDefinition(
            """
            SELECT code AS Code, label AS Label, register AS Register, issuable AS Issuable, salaried_only AS SalariedOnly, cpf_eligible AS CpfEligible
            FROM professions
            WHERE code = @code AND valid_from <= @day::date AND (valid_until IS NULL OR valid_until > @day::date)
            """, new { code, day = day.ToDateTime(TimeOnly.MinValue) }, transaction, cancellationToken: cancellationToken));
}
