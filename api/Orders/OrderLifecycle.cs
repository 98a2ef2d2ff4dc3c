using CpxTeleservice.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CpxTeleservice.Orders;

/// <summary>
/// The production life cycle of an order (seed 004 §5): each event the back-office records, the
/// states it may follow and the state it leads to.
/// </summary>
public static class OrderLifecycle
{
    private static readonly Dictionary<string, (string[] From, string To)> Transitions = new()
    {
        ["dossier-complete"] = (["awaiting-visa"], "submitted"),
        ["in-production"] = (["submitted"], "in-production"),
        ["card-shipped"] = (["in-production"], "card-shipped"),
        ["card-received"] = (["card-shipped"], "card-received"),
        ["codes-shipped"] = (["card-received"], "codes-shipped"),
        ["completed"] = (["codes-shipped"], "completed"),
        ["rejected"] = (["awaiting-visa", "submitted"], "rejected"),
    };

    /// <summary>An order is cancelled by its structure only before production.</summary>
    public static readonly string[] Cancellable = ["awaiting-visa", "submitted"];

    /// <summary>The events an operator may record, in the order they happen.</summary>
    public static IEnumerable<string> Events => Transitions.Keys;

    public static bool IsEvent(string? name) => name is not null && Transitions.ContainsKey(name);

    /// <summary>The states <paramref name="evt"/> may follow.</summary>
    public static IReadOnlyList<string> From(string evt) => Transitions[evt].From;

    public static bool Follows(string evt, string state) => Transitions[evt].From.Contains(state);

    /// <summary>
    /// The state after <paramref name="evt"/>. A renewal keeps the old codes (seed 004 §5): it is
    /// complete once the card is received.
    /// </summary>
    public static string StateAfter(string evt, bool newCodes) =>
        evt == "card-received" && !newCodes ? "completed" : Transitions[evt].To;

    /// <summary>
    /// Why <paramref name="evt"/> cannot be recorded on the order, or null. Events are recorded after the
    /// fact, but in the order they happened (the dates depend on it), and each follows the states it may.
    /// </summary>
    public static ProblemHttpResult? Refusal(LockedOrder order, string evt, DateTime occurredAt)
    {
        if (order.LastEventAt is { } last && occurredAt < last)
        {
            return Problem.Rule(ProblemTypes.EventTimeBeforePrevious, "The event is dated before the order's previous event",
                $"The previous production event happened at {last:O}.");
        }

        return Follows(evt, order.State)
            ? null
            : Problem.Conflict(ProblemTypes.OrderStateConflict, $"'{evt}' does not follow '{order.State}'",
                $"'{evt}' is recorded on an order that is {string.Join(" or ", From(evt))}.");
    }
}
