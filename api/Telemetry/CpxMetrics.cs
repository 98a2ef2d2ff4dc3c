using System.Diagnostics.Metrics;
using CpxTeleservice.Infrastructure;

namespace CpxTeleservice.Telemetry;

/// <summary>
/// The service's own meter, <c>CpxTeleservice</c>: what an operator watches besides the built-in
/// ASP.NET Core, Kestrel and Npgsql meters. Tag values come from closed lists (card types, problem
/// slugs, configured source names), never from what a caller sends, so the series stay few.
/// </summary>
internal static class CpxMetrics
{
    public const string MeterName = "CpxTeleservice";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> OrdersPlaced = Meter.CreateCounter<long>(
        "cpx.orders.placed", "{order}", "Orders a structure asked for, by card type and outcome (placed, or refused:<problem slug>).");

    private static readonly Counter<long> IntakeRecords = Meter.CreateCounter<long>(
        "cpx.intake.records", "{record}", "Intake records acknowledged, by source and outcome (accepted, duplicate, stale, rejected).");

    private static readonly Counter<long> AuthenticationRefusals = Meter.CreateCounter<long>(
        "cpx.authentication.refusals", "{request}", "Requests and calls refused at authentication, by surface (rest, grpc) and reason.");

    private static readonly Counter<long> Oppositions = Meter.CreateCounter<long>(
        "cpx.oppositions", "{card}", "Cards put in opposition, by reason.");

    private static readonly Counter<long> RenewalRuns = Meter.CreateCounter<long>(
        "cpx.renewal.runs", "{run}", "Passes of the automatic renewal job, by outcome (ok, failed).");

    private static readonly Counter<long> RenewalOrders = Meter.CreateCounter<long>(
        "cpx.renewal.orders", "{order}", "Renewal orders the automatic renewal job created.");

    private static readonly Counter<long> WebhookDeliveries = Meter.CreateCounter<long>(
        "cpx.webhook.deliveries", "{delivery}",
        "Webhook deliveries, by outcome: delivered (2xx); failed:<why> (http-status, unreachable, timeout, url-refused), retried with backoff; aborted (a database error or a shutdown stopped it, retried once its lease expires).");

    private static readonly string[] CardTypes = ["CPS", "CPF", "CPE", "CDE", "CPA"];

    /// <summary>An order request's outcome: 201 is placed, a problem is refused with its slug.</summary>
    public static void OrderPlaced(string? cardType, IResult result)
    {
        var outcome = result switch
        {
            Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult problem => "refused:" + Slug(problem.ProblemDetails.Type),
            IStatusCodeHttpResult { StatusCode: StatusCodes.Status201Created } => "placed",
            IStatusCodeHttpResult { StatusCode: { } status } => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => "other",
        };
        OrdersPlaced.Add(1, new("card_type", Array.Find(CardTypes, t => t == cardType) ?? "other"), new("outcome", outcome));
    }

    public static void IntakeRecord(string source, string outcome, int count) =>
        IntakeRecords.Add(count, new("source", source), new("outcome", outcome));

    public static void AuthenticationRefused(string surface, string reason) =>
        AuthenticationRefusals.Add(1, new("surface", surface), new("reason", reason));

    /// <summary>Cards put in opposition for one reason: one by a card's opposition, every card of the holder by a departure, the radiated professionals' cards by a radiation (once its intake batch commits).</summary>
    public static void Opposition(string reason, int count = 1)
    {
        if (count > 0)
        {
            Oppositions.Add(count, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    /// <summary>One webhook delivery's outcome: <c>delivered</c>, <c>failed:&lt;why&gt;</c> or <c>aborted</c> (a closed list, set by the worker).</summary>
    public static void WebhookDelivery(string outcome) => WebhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public static void RenewalRun(bool ok, int created)
    {
        RenewalRuns.Add(1, new KeyValuePair<string, object?>("outcome", ok ? "ok" : "failed"));
        if (created > 0)
        {
            RenewalOrders.Add(created);
        }
    }

    private static string Slug(string? type) =>
        type is not null && type.StartsWith(ProblemTypes.Prefix, StringComparison.Ordinal) ? type[ProblemTypes.Prefix.Length..] : "other";
}
