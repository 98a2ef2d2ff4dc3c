using System.Net;

namespace CpxTeleservice.Telemetry;

/// <summary>Who may scrape <c>/metrics</c> besides an operator's card: the networks of the monitoring system.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>CIDR networks (<c>10.0.0.0/8</c>, <c>127.0.0.1/32</c>) whose connections may scrape without a card.</summary>
    public string[] AllowedNetworks { get; set; } = [];

    internal bool Allows(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return AllowedNetworks.Any(n => IPNetwork.TryParse(n, out var network) && network.Contains(address));
    }

    internal static IEnumerable<string> Errors(MetricsOptions o) =>
        o.AllowedNetworks.Where(n => !IPNetwork.TryParse(n, out _)).Select(n => $"Metrics:AllowedNetworks: '{n}' is not a CIDR network (e.g. 10.0.0.0/8).");
}
