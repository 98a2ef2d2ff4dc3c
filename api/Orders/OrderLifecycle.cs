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
}
