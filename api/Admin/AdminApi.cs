using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CpxTeleservice.Admin;

/// <summary>The ANS back-office: cards already in the field, card production, every order, the dated profession catalogue.</summary>
public static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").RequireAuthorization(CardAuthenticationDefaults.OperatorPolicy).WithTags("Administration");
        admin.MapPost("/cards", CardRegistration.Register).WithName("RegisterCard").WithSummary("Register a card already in the field");
        admin.MapPost("/orders/{orderId:guid}/events", OrderEvents.Record).WithName("RecordOrderEvent").WithSummary("Record a production event on an order");
        admin.MapGet("/professions/{code}", ProfessionChanges.Get).WithName("GetProfession").WithSummary("A profession of the dated catalogue, with its rows");
        admin.MapPost("/professions/{code}/changes", ProfessionChanges.Add).WithName("AddProfessionChange")
            .WithSummary("From a date, a profession is ordered through another channel or is not issued");
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
