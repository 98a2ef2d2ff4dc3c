using CpxTeleservice.Orders;

namespace CpxTeleservice.Tests.Orders;

/// <summary>The production life cycle (seed 004 §5), event by event: which states each may follow, and where it leads.</summary>
public class OrderLifecycleTransitionsTests
{
    private static readonly string[] States =
        ["awaiting-visa", "submitted", "in-production", "card-shipped", "card-received", "codes-shipped", "completed", "rejected", "cancelled"];

    public static TheoryData<string, string, string> Transitions => new()
    {
        { "dossier-complete", "awaiting-visa", "submitted" },
        { "in-production", "submitted", "in-production" },
        { "card-shipped", "in-production", "card-shipped" },
        { "card-received", "card-shipped", "card-received" },
        { "codes-shipped", "card-received", "codes-shipped" },
        { "completed", "codes-shipped", "completed" },
        { "rejected", "awaiting-visa|submitted", "rejected" },
    };

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Each_event_follows_only_its_states_and_leads_to_its_state(string evt, string from, string to)
    {
        var allowed = from.Split('|');
        Assert.True(OrderLifecycle.IsEvent(evt));
        foreach (var state in States)
        {
            Assert.Equal(allowed.Contains(state), OrderLifecycle.Follows(evt, state));
        }

        Assert.Equal(to, OrderLifecycle.StateAfter(evt, newCodes: true));
    }

    [Fact]
    public void A_renewal_keeps_its_codes_and_is_complete_once_the_card_is_received()
    {
        Assert.Equal("completed", OrderLifecycle.StateAfter("card-received", newCodes: false));
        Assert.Equal("card-received", OrderLifecycle.StateAfter("card-received", newCodes: true));
    }

    [Fact]
    public void An_order_is_cancelled_only_before_production()
    {
        Assert.Equal(["awaiting-visa", "submitted"], OrderLifecycle.Cancellable);
        Assert.False(OrderLifecycle.IsEvent("cancelled"));
        Assert.False(OrderLifecycle.IsEvent(null));
    }
}
