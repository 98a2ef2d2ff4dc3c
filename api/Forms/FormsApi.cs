using CpxTeleservice.Authorization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace CpxTeleservice.Forms;

/// <summary>
/// The paper forms of seed 004, prefilled as PDF: an order's form (F201, F301, F101), seen by whoever sees
/// the order, and a mandataire's designation (F502), seen by whoever sees the structure's mandataires.
/// </summary>
public static class FormsApi
{
    public static RouteGroupBuilder MapFormsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/orders/{orderId:guid}/form", OrderForm).WithTags("Orders").WithName("GetOrderForm")
            .WithSummary("The order's form, prefilled, as PDF: F201 (CPS), F301 (CPE) or F101 (CDE)");
        api.MapGet("/structures/{structureId:guid}/mandataires/{idNat}/form", DesignationForm).WithTags("Mandataires").WithName("GetMandataireForm")
            .WithSummary("The mandataire's designation form, prefilled, as PDF: F502");
        return api;
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> OrderForm(
        Guid orderId, Caller caller, HttpContext http, NpgsqlDataSource dataSource, [FromServices] TimeProvider time, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await OrderReader.IsVisibleAsync(connection, orderId, caller, cancellationToken))
        {
            http.AuditStructure(await OrdersApi.OwningStructureAsync(connection, orderId, cancellationToken));
            return Problem.NotFound("order");
        }

        var order = await connection.QuerySingleAsync<OrderFormFacts>(new CommandDefinition(
            """
            SELECT o.id, o.card_type, o.kind, o.state, o.profession, o.mode_exercice, o.created_at, o.structure_id,
                   o.placed_by_id_nat, b.nom AS placed_by_nom, b.prenom AS placed_by_prenom,
                   h.id_nat AS holder_id_nat, h.nom AS holder_nom, h.prenom AS holder_prenom, h.adeli AS holder_adeli,
                   s.raison_sociale, s.finess, s.siret, s.id_nat_struct, s.departement, s.secteur_activite,
                   r.id_nat AS representative_id_nat, r.nom AS representative_nom, r.prenom AS representative_prenom
            FROM orders o JOIN persons h ON h.id = o.holder_id
            LEFT JOIN persons b ON b.id_nat = o.placed_by_id_nat
            LEFT JOIN structures s ON s.id = o.structure_id LEFT JOIN persons r ON r.id = s.legal_representative_id
            WHERE o.id = @orderId
            """, new { orderId }, cancellationToken: cancellationToken));
        http.AuditStructure(order.StructureId);
        if (order.StructureId is null || !OrderForms.CardTypes.Contains(order.CardType))
        {
            return Problem.Rule(ProblemTypes.NoFormForOrder, "This order has no form",
                "A form goes with an order a structure places: F201 for a CPS, F301 for a CPE, F101 for a CDE. An order the Ordre's registration created needs none.");
        }

        if (order.State is "cancelled" or "rejected")
        {
            return Problem.Conflict(ProblemTypes.OrderStateConflict, "The order has no form to send", $"It is {order.State}.");
        }

        var profession = order.Profession is { } code
            ? await ProfessionCatalogue.FindAtAsync(connection, null, code, new DateTimeOffset(order.CreatedAt, TimeSpan.Zero), cancellationToken)
            : null;
        return Pdf(http, OrderForms.For(order, profession, time.GetUtcNow()));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> DesignationForm(
        Guid structureId, string idNat, Caller caller, HttpContext http, NpgsqlDataSource dataSource, [FromServices] TimeProvider time, CancellationToken cancellationToken)
    {
        // A staff IdNat holds a '/', which travels encoded (%2F) and routing leaves encoded.
        idNat = Uri.UnescapeDataString(idNat);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) == StructureRoleKind.None)
        {
            return Problem.Forbidden("You are neither the legal representative nor a mandataire of this structure.");
        }

        var mandate = await connection.QuerySingleOrDefaultAsync<MandataireFormFacts>(new CommandDefinition(
            """
            SELECT m.id, p.id_nat, p.nom, p.prenom, m.designated_at, m.ends_at, c.card_type, c.serial AS card_serial,
                   s.raison_sociale, s.finess, s.siret, s.id_nat_struct, s.departement, s.secteur_activite,
                   r.id_nat AS representative_id_nat, r.nom AS representative_nom, r.prenom AS representative_prenom
            FROM active_mandataires m JOIN persons p ON p.id = m.person_id
            JOIN structures s ON s.id = m.structure_id JOIN persons r ON r.id = s.legal_representative_id
            LEFT JOIN LATERAL (
                SELECT c.card_type, c.serial FROM cards c
                WHERE c.holder_id = p.id AND c.state = 'active' AND c.valid_until > cpx_now()
                  AND (c.card_type = 'CPS' OR (c.card_type IN ('CPE', 'CPA') AND c.structure_id = m.structure_id))
                ORDER BY c.structure_id = m.structure_id DESC NULLS LAST, c.valid_until DESC LIMIT 1) c ON true
            WHERE m.structure_id = @structureId AND p.id_nat = @idNat
            """, new { structureId, idNat }, cancellationToken: cancellationToken));
        return mandate is null
            ? Problem.NotFound("active mandataire with this IdNat")
            : Pdf(http, MandataireForm.For(mandate, time.GetUtcNow()));
    }

    /// <summary>The PDF as a download; it holds personal data, so no cache keeps it.</summary>
    private static FileContentHttpResult Pdf(HttpContext http, FormDocument form)
    {
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(FormRenderer.Render(form), "application/pdf", form.FileName);
    }
}
