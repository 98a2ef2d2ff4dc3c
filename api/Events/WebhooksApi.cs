using Microsoft.AspNetCore.DataProtection;
using CpxTeleservice.Authorization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Events;

/// <summary>
/// Events for a structure's software: webhook subscriptions (the legal representative and the mandataires
/// manage them) and the same events as a feed, so that a receiver that was down catches up.
/// </summary>
public static class WebhooksApi
{
    private const int MaxEventTypes = 32;

    public static RouteGroupBuilder MapWebhooksApi(this RouteGroupBuilder api)
    {
        var structure = api.MapGroup("/structures/{structureId:guid}").WithTags("Events");
        structure.MapPost("/webhooks", Create).WithName("CreateWebhook").WithSummary("Subscribe a URL to the structure's events; the signing secret is returned once");
        structure.MapGet("/webhooks", List).WithName("ListWebhooks").WithSummary("The structure's webhook subscriptions and their delivery state");
        structure.MapDelete("/webhooks/{webhookId:guid}", Delete).WithName("DeleteWebhook").WithSummary("Remove a webhook subscription");
        structure.MapGet("/events", Feed).WithName("ListStructureEvents").WithSummary("The structure's events after a cursor, oldest first");
        return api;
    }

    private static async Task<Results<Created<CreatedWebhook>, ProblemHttpResult>> Create(
        Guid structureId, CreateWebhookRequest request, Caller caller, HttpContext http, NpgsqlDataSource dataSource, IOptions<EventsOptions> options,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (WebhookUrl.Refusal(request.Url, options.Value.AllowLoopbackHttp) is { } refusal)
        {
            errors.Add("url", refusal);
        }

        var types = request.EventTypes is { Length: > 0 } ? request.EventTypes.Distinct(StringComparer.Ordinal).ToArray() : EventTypes.All;
        if (types.Length > MaxEventTypes || types.Any(t => !EventTypes.All.Contains(t)))
        {
            errors.Add("eventTypes", $"each must be one of {string.Join(", ", EventTypes.All)}.");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) == StructureRoleKind.None)
        {
            return Problem.Forbidden("You are neither the legal representative nor a mandataire of this structure.");
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The structure's row lock makes the count and the insert one decision under concurrent requests.
        await connection.ExecuteAsync(new CommandDefinition("SELECT 1 FROM structures WHERE id = @structureId FOR UPDATE", new { structureId }, transaction,
            cancellationToken: cancellationToken));
        var count = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM webhook_subscriptions WHERE structure_id = @structureId", new { structureId }, transaction, cancellationToken: cancellationToken));
        if (count >= options.Value.MaxSubscriptionsPerStructure)
        {
            return Problem.Rule(ProblemTypes.WebhookLimitReached, "Too many webhook subscriptions",
                $"A structure holds at most {options.Value.MaxSubscriptionsPerStructure} subscriptions; delete one first.");
        }

        var id = Guid.CreateVersion7();
        var secret = WebhookSignature.NewSecret();
        var createdAt = await connection.ExecuteScalarAsync<DateTime>(new CommandDefinition(
            """
            INSERT INTO webhook_subscriptions (id, structure_id, url, event_types, secret, created_by, delivered_position)
            VALUES (@id, @structureId, @Url, @types, @secret, @callerIdNat, (SELECT COALESCE(max(position), 0) FROM outbox_events))
            RETURNING created_at
            """, new { id, structureId, request.Url, types, secret, callerIdNat = caller.IdNat }, transaction, cancellationToken: cancellationToken));
        await http.AuditAsync(connection, transaction, structureId, $"webhook {id}", request.Url);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/structures/{structureId}/webhooks/{id}",
            new CreatedWebhook(id, request.Url!, types, DateTime.SpecifyKind(createdAt, DateTimeKind.Utc), secret));
    }

    private static async Task<Results<Ok<IReadOnlyList<WebhookView>>, ProblemHttpResult>> List(
        Guid structureId, Caller caller, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) == StructureRoleKind.None)
        {
            return Problem.Forbidden("You are neither the legal representative nor a mandataire of this structure.");
        }

        var rows = await connection.QueryAsync<(Guid Id, string Url, string[] EventTypes, DateTime CreatedAt, string CreatedBy, int Attempts, DateTime NextAttemptAt,
            string? LastError)>(new CommandDefinition(
            """
            SELECT id, url, event_types, created_at, created_by, attempts, next_attempt_at, last_error
            FROM webhook_subscriptions WHERE structure_id = @structureId ORDER BY created_at, id
            """, new { structureId }, cancellationToken: cancellationToken));
        return TypedResults.Ok<IReadOnlyList<WebhookView>>(rows.Select(r => new WebhookView(r.Id, r.Url, r.EventTypes,
            DateTime.SpecifyKind(r.CreatedAt, DateTimeKind.Utc), r.CreatedBy, r.Attempts, DateTime.SpecifyKind(r.NextAttemptAt, DateTimeKind.Utc), r.LastError)).ToList());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid structureId, Guid webhookId, Caller caller, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) == StructureRoleKind.None)
        {
            return Problem.Forbidden("You are neither the legal representative nor a mandataire of this structure.");
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM webhook_subscriptions WHERE id = @webhookId AND structure_id = @structureId", new { webhookId, structureId }, transaction,
            cancellationToken: cancellationToken));
        if (deleted == 0)
        {
            return Problem.NotFound("webhook subscription");
        }

        await http.AuditAsync(connection, transaction, structureId, $"webhook {webhookId}");
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<EventPage>, ProblemHttpResult>> Feed(
        Guid structureId, string? after, string? type, int? limit, Caller caller, NpgsqlDataSource dataSource, IDataProtectionProvider dataProtection,
        CancellationToken cancellationToken)
    {
        var cursors = Cursor.For(dataProtection, $"events/{structureId}");
        var errors = new FieldErrors().OneOf("type", type, EventTypes.All);
        if (!Cursor.TryDecodeLong(cursors, after, out var position) || position < 0)
        {
            errors.Add("after", "is not a cursor this service issued.");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) == StructureRoleKind.None)
        {
            return Problem.Forbidden("You are neither the legal representative nor a mandataire of this structure.");
        }

        // Committed events get their position now, so the feed is never behind the changes it reflects.
        await EventOutbox.SequenceAsync(connection, cancellationToken);
        var from = position ?? 0;
        var rows = await EventOutbox.StructureAfterAsync(connection, structureId, from, type is null ? null : [type], Cursor.Limit(limit), cancellationToken);
        var next = rows.Count > 0 ? rows[^1].Position : from;
        // Nothing new: the caller's own cursor comes back unchanged (a sealed cursor differs at each sealing).
        var cursor = rows.Count == 0 && !string.IsNullOrEmpty(after) ? after : Cursor.Encode(cursors, next);
        return TypedResults.Ok(new EventPage(rows.Select(r => r.ToEvent()).ToList(), cursor));
    }
}
