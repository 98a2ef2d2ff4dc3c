namespace CpxTeleservice.Tests.Infrastructure;

/// <summary>
/// A service whose clock starts on the eve of 14 July 2027 at 16:00 in Paris (Clock__StartAt), as an
/// acceptance run would start it; the test PKI's cards are valid then.
/// </summary>
public sealed class MovedClockHost : ServiceHost
{
    public static readonly DateTimeOffset StartAt = new(2027, 7, 13, 16, 0, 0, TimeSpan.FromHours(2));

    public MovedClockHost() => With("Clock:StartAt", StartAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
}
