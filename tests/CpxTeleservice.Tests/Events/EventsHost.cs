using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Events;

/// <summary>A service host whose webhook worker polls and retries fast, with a small subscription limit, and a relying party configured.</summary>
public sealed class EventsHost : ServiceHost
{
    public const string RelyingPartyOu = "2750000000";
    public const string RelyingPartyCn = "CONTROLE CARTES TEST";

    public EventsHost()
    {
        With("Events:PollMilliseconds", "100");
        With("Events:RetryBaseMilliseconds", "100");
        With("Events:RetryMaxSeconds", "1");
        With("Events:DeliveryTimeoutSeconds", "10");
        With("Events:MaxSubscriptionsPerStructure", "3");
        With("Oppositions:RelyingParties:0:IdNatStruct", RelyingPartyOu);
        With("Oppositions:RelyingParties:0:CommonName", RelyingPartyCn);
        With("Oppositions:RelyingParties:0:Name", "Contrôle des cartes (test)");
    }
}
