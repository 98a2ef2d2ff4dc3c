using System.Net;

namespace CpxTeleservice.Events;

/// <summary>
/// Which URLs a webhook may target: absolute https, no user information, bounded length; plain http only
/// to a loopback host and only when <see cref="EventsOptions.AllowLoopbackHttp"/> is on.
/// </summary>
internal static class WebhookUrl
{
    public const int MaxLength = 2048;

    /// <summary>Null when the URL may be subscribed; otherwise why not.</summary>
    public static string? Refusal(string? url, bool allowLoopbackHttp)
    {
        if (string.IsNullOrEmpty(url))
        {
            return "is required.";
        }

        if (url.Length > MaxLength)
        {
            return $"is longer than {MaxLength} characters.";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.HostNameType == UriHostNameType.Unknown || uri.Host.Length == 0)
        {
            return "is not an absolute URL.";
        }

        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            return "must carry neither user information nor a fragment.";
        }

        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            return null;
        }

        if (uri.Scheme == Uri.UriSchemeHttp && allowLoopbackHttp && IsLoopback(uri))
        {
            return null;
        }

        return allowLoopbackHttp ? "must be https (http only to a loopback host)." : "must be https.";
    }

    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
