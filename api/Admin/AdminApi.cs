using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CpxTeleservice.Admin;

/// <summary>The ANS back-office: cards already in the field, card production, every order.</summary>
public static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").RequireAuthorization(CardAuthenticationDefaults.OperatorPolicy).WithTags("Administration");
        admin.MapPost("/cards", CardRegistration.Register).WithName("RegisterCard").WithSummary("Register a card already in the field");
        admin.MapPost("/orders/{orderId:guid}/events", OrderEvents.Record).WithName("RecordOrderEvent").WithSummary("Record a production event on an order");
        admin.MapGet("/orders", ListOrders).WithName("ListAllOrders").WithSummary("Every order, filtered, cursor-paginated");
        return api;
    }

    private static async Task<Results<Ok<Page<OrderView>>, ProblemHttpResult>> ListOrders(
        string? state, string? cardType, Guid? structureId, PageRequest page, NpgsqlDataSource dataSource, OrderReader reader, CancellationToken cancellationToken)
    {
        if (FieldErrors.Filters(page, out var after, ("state", state, Problem.OrderStates), ("cardType", cardType, Problem.CardTypes)) is { } invalid)
        {
            return invalid;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await reader.AllAsync(connection, new OrderFilter(state, cardType, structureId), after, page.Fetch, cancellationToken);
        return TypedResults.Ok(page.ToPage(rows, o => o.Id));
    }
}
