using System.Globalization;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// One clock for the service: the registered <see cref="TimeProvider"/>, which PostgreSQL follows through
/// <c>cpx_now()</c> (migration 012) and the session setting <c>cpx.clock_offset</c>.
/// </summary>
public static class Clock
{
    /// <summary>The session setting <c>cpx_now()</c> adds to <c>now()</c>, in seconds.</summary>
    public const string OffsetSetting = "cpx.clock_offset";

    /// <summary>The real clock, or the one Clock__StartAt / Clock__OffsetSeconds asked for (its offset fixed once, here).</summary>
    public static TimeProvider Create(ClockOptions options) =>
        options.IsReal ? TimeProvider.System : new OffsetTimeProvider(options.Offset(TimeProvider.System.GetUtcNow()));

    /// <summary>The clock registered in <paramref name="services"/>, its options validated on first use.</summary>
    public static TimeProvider Create(IServiceProvider services) =>
        Create(services.GetRequiredService<IOptions<ClockOptions>>().Value);

    /// <summary>
    /// The connection string with the clock's offset as a session default of every physical connection
    /// (the startup packet's <c>-c</c> option), so that SQL's <c>cpx_now()</c> is <paramref name="time"/>'s
    /// now. A startup option, unlike a SET, survives the reset a pooled connection gets when it is returned.
    /// </summary>
    public static string WithClock(string connectionString, TimeProvider time)
    {
        if (time is not OffsetTimeProvider { Offset: var offset } || offset == TimeSpan.Zero)
        {
            return connectionString;
        }

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var seconds = offset.TotalSeconds.ToString("0.######", CultureInfo.InvariantCulture);
        builder.Options = $"{builder.Options} -c {OffsetSetting}={seconds}".Trim();
        return builder.ConnectionString;
    }

    /// <summary>Now, by the service's clock, for a request's handler.</summary>
    public static DateTime UtcNow(this HttpContext http) =>
        http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
}
