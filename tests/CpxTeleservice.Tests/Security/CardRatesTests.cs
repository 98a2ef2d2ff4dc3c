using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;
using Microsoft.AspNetCore.Http;

namespace CpxTeleservice.Tests.Security;

/// <summary>The rate per card, as the middleware acquires it and as authentication asks it before reading ahead.</summary>
public class CardRatesTests
{
    private static DefaultHttpContext RequestOf(string idNat)
    {
        var context = new DefaultHttpContext();
        context.Features.Set(new Caller(idNat, CardType.CPE, "1", null, null, null, null, null, false));
        return context;
    }

    [Fact]
    public void A_card_over_its_rate_gets_no_read_ahead_while_another_card_still_does()
    {
        using var rates = new CardRates(new LimitsOptions { RequestsPerSecondPerCard = 2 });
        var request = RequestOf("3750812349/FLOOD");

        Assert.True(rates.MayProceed("3750812349/FLOOD"));
        using (var first = rates.Global.AttemptAcquire(request))
        using (var second = rates.Global.AttemptAcquire(request))
        using (var third = rates.Global.AttemptAcquire(request))
        {
            Assert.True(first.IsAcquired && second.IsAcquired);
            Assert.False(third.IsAcquired);
        }

        Assert.False(rates.MayProceed("3750812349/FLOOD"));
        Assert.True(rates.MayProceed("3750812349/CALME"));
    }

    [Fact]
    public void Requests_before_authentication_draw_on_their_address_bucket_not_on_a_cards()
    {
        using var rates = new CardRates(new LimitsOptions { RequestsPerSecondPerCard = 1, RequestsPerSecondPerAddress = 1 });
        using (var lease = rates.Global.AttemptAcquire(new DefaultHttpContext()))
        {
            Assert.True(lease.IsAcquired);
        }

        using (var lease = rates.Global.AttemptAcquire(new DefaultHttpContext()))
        {
            Assert.False(lease.IsAcquired);
        }

        // The same address's authenticated card still has its own token, and only then has spent it.
        Assert.True(rates.MayProceed("3750812349/CARTE"));
        using (var lease = rates.Global.AttemptAcquire(RequestOf("3750812349/CARTE")))
        {
            Assert.True(lease.IsAcquired);
        }

        Assert.False(rates.MayProceed("3750812349/CARTE"));
    }
}
