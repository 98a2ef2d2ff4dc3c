using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Hosting;

/// <summary>Clock__StartAt and Clock__OffsetSeconds: at most one, well formed, and never in Production.</summary>
public class ClockSettingsTests
{
    private static async Task<string> StartupFailureAsync(ServiceHost host)
    {
        try
        {
            return (await Assert.ThrowsAnyAsync<Exception>(host.InitializeAsync)).ToString();
        }
        finally
        {
            await ((IAsyncLifetime)host).DisposeAsync();
        }
    }

    [Fact]
    public async Task Clock_start_and_offset_together_stop_the_service_naming_both_keys()
    {
        var failure = await StartupFailureAsync(new ServiceHost().With("Clock:StartAt", "2027-07-13T16:00:00+02:00").With("Clock:OffsetSeconds", "3600"));
        Assert.Contains("Clock__StartAt and Clock__OffsetSeconds", failure);
    }

    [Theory]
    [InlineData("Clock:StartAt", "2027-07-13T16:00:00+02:00", "Clock__StartAt")]
    [InlineData("Clock:OffsetSeconds", "3600", "Clock__OffsetSeconds")]
    public async Task A_moved_clock_is_refused_in_Production(string key, string value, string named)
    {
        var failure = await StartupFailureAsync(new ServiceHost().With(key, value).With("environment", "Production"));
        Assert.Contains($"{named} is for demos and acceptance runs: it is refused in Production", failure);
    }

    [Theory]
    [InlineData("2027-07-13T16:00:00", "no offset: a local time is ambiguous")]
    [InlineData("13/07/2027 16:00", "not ISO 8601")]
    [InlineData("tomorrow", "not a date")]
    public async Task A_clock_start_that_is_not_an_ISO_8601_instant_stops_the_service(string value, string why)
    {
        var failure = await StartupFailureAsync(new ServiceHost().With("Clock:StartAt", value));
        Assert.True(failure.Contains("Clock__StartAt must be an ISO 8601 instant", StringComparison.Ordinal), why);
    }

    [Fact]
    public void An_offset_clock_runs_that_far_from_the_real_one_and_passes_its_offset_to_PostgreSQL_as_a_startup_option()
    {
        var time = CpxTeleservice.Infrastructure.Clock.Create(new CpxTeleservice.Infrastructure.ClockOptions { OffsetSeconds = -86400 });
        Assert.Equal(TimeSpan.FromDays(-1), Assert.IsType<CpxTeleservice.Infrastructure.OffsetTimeProvider>(time).Offset);
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(
            CpxTeleservice.Infrastructure.Clock.WithClock("Host=db.example;Database=cpx;Options=-c statement_timeout=5000", time));
        Assert.Equal("-c statement_timeout=5000 -c cpx.clock_offset=-86400", connectionString.Options);
        Assert.Equal("Host=db.example;Database=cpx", CpxTeleservice.Infrastructure.Clock.WithClock("Host=db.example;Database=cpx", TimeProvider.System));
    }

    [Fact]
    public void Without_a_clock_setting_the_clock_is_the_real_one()
    {
        Assert.Same(TimeProvider.System, CpxTeleservice.Infrastructure.Clock.Create(new CpxTeleservice.Infrastructure.ClockOptions()));
    }
}
