using CpxTeleservice.Authorization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CpxTeleservice.Orders;

/// <summary>A structure's orders: place one, follow them, cancel one before production; a holder's own orders.</summary>
public static class OrdersApi
{
    public static RouteGroupBuilder MapOrdersApi(this RouteGroupBuilder api)
    {
        var structureOrders = api.MapGroup("/structures/{structureId:guid}/orders").WithTags("Orders");
        structureOrders.MapPost("", OrderPlacement.Create).WithName("CreateOrder").WithSummary("Order a CPS (ADELI profession), a CPE or a CDE");
        structureOrders.MapGet("", ListForStructure).ReadAhead(OrdersReadAhead.Page).WithName("ListStructureOrders").WithSummary("The structure's orders, newest last, cursor-paginated");

        var orders = api.MapGroup("/orders/{orderId:guid}").WithTags("Orders");
        orders.MapGet("", Get).ReadAhead(OrdersReadAhead.Order).WithName("GetOrder").WithSummary("One order with its history and expected dates");
        orders.MapPost("/cancellation", Cancel).WithName("CancelOrder").WithSummary("Cancel an order before production");

        api.MapGet("/me/orders", Mine).ReadAhead(OrdersReadAhead.Mine).WithName("ListMyOrders").WithTags("Me").WithSummary("The caller's own orders, wherever they were placed");
        return api;
    }

    private static async Task<Results<Ok<Page<OrderView>>, ProblemHttpResult>> ListForStructure(
        Guid structureId, string? state, string? cardType, PageRequest page, Caller caller, HttpContext http, NpgsqlDataSource dataSource, OrderReader reader,
        CancellationToken cancellationToken)
    {
        if (FieldErrors.Filters(page, out var after, ("state", state, Problem.OrderStates), ("cardType", cardType, Problem.CardTypes)) is { } invalid)
        {
            return invalid;
        }

        var filter = new OrderFilter(state, cardType);
        await using var connection = dataSource.CreateConnection();
        // The page authentication read ahead with these very inputs, else the page read here.
        var rows = reader.Views(await http.ReadAheadOrReadAsync<List<OrderRow>>(
            OrdersReadAhead.Page(structureId, caller.IdNat, filter, after, page.Fetch), dataSource, cancellationToken));
        if (rows.Count == 0 && await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) == StructureRoleKind.None)
        {
            return Problem.Forbidden("You are neither the legal representative nor a mandataire of this structure.");
        }

        return TypedResults.Ok(page.ToPage(rows, o => o.Id));
    }

    /// <summary>An order is seen by its structure's legal representative and mandataires, its holder, and operators.</summary>
    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> Get(
        Guid orderId, Caller caller, HttpContext http, NpgsqlDataSource dataSource, OrderReader reader, CancellationToken cancellationToken)
    {
        var seen = await http.ReadAheadOrReadAsync<OrdersReadAhead.SeenOrder>(OrdersReadAhead.Order(orderId, caller.IdNat), dataSource, cancellationToken);
        if (seen.Row is not { } row || !(caller.IsOperator || seen.SeenByCaller))
        {
            http.AuditStructure(seen.Row?.StructureId);
            return Problem.NotFound("order");
        }

        return TypedResults.Ok(reader.ToView(row, seen.History));
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> Cancel(
        Guid orderId, Caller caller, HttpContext http, NpgsqlDataSource dataSource, OrderReader reader, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var order = await connection.QuerySingleOrDefaultAsync<ManagedOrder>(new CommandDefinition(
            """
            SELECT o.structure_id, o.state, r.role FROM orders o JOIN caller_structures(@IdNat) r ON r.structure_id = o.structure_id
            WHERE o.id = @orderId ORDER BY r.role LIMIT 1 FOR UPDATE OF o
            """, new { orderId, caller.IdNat }, transaction, cancellationToken: cancellationToken));
        if (order is not { } found)
        {
            http.AuditStructure(await OwningStructureAsync(connection, orderId, cancellationToken, transaction));
            return Problem.NotFound("order");
        }

        var role = found.Role == "legal-representative" ? StructureRoleKind.LegalRepresentative : StructureRoleKind.Mandataire;
        http.AuditStructure(found.StructureId);
        if (!Access.CardMayActForStructure(caller.CardType, role))
        {
            return Problem.Forbidden($"A {caller.CardType} does not act for a structure.", ProblemTypes.CallerCardNotAllowed);
        }

        if (!OrderLifecycle.Cancellable.Contains(found.State))
        {
            return Problem.Conflict(ProblemTypes.OrderStateConflict, "The order can no longer be cancelled",
                $"It is {found.State}: an order is cancelled only before production.");
        }

        await OrderStore.CancelAsync(connection, transaction, orderId, caller.IdNat, cancellationToken);
        await http.AuditAsync(connection, transaction, found.StructureId, $"order {orderId}");
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok((await reader.GetAsync(connection, orderId, cancellationToken))!);
    }

    private static async Task<Results<Ok<Page<OrderView>>, ProblemHttpResult>> Mine(
        PageRequest page, Caller caller, HttpContext http, NpgsqlDataSource dataSource, OrderReader reader, CancellationToken cancellationToken)
    {
        if (!page.TryAfter(out var after))
        {
            return new FieldErrors().Add("cursor", "is not a cursor this service issued.").ToProblem();
        }

        var rows = await http.ReadAheadOrReadAsync<List<OrderRow>>(OrdersReadAhead.Mine(caller.IdNat, after, page.Fetch), dataSource, cancellationToken);
        return TypedResults.Ok(page.ToPage(reader.Views(rows), o => o.Id));
    }

    /// <summary>The structure behind an order, for the audit of a refused access only: never shown to the caller.</summary>
    internal static Task<Guid?> OwningStructureAsync(NpgsqlConnection connection, Guid orderId, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null) =>
        connection.ExecuteScalarAsync<Guid?>(new CommandDefinition("SELECT structure_id FROM orders WHERE id = @orderId", new { orderId }, transaction, cancellationToken: cancellationToken));
}
