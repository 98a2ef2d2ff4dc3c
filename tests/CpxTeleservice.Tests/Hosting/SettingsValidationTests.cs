using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Hosting;

/// <summary>A bad setting stops the service at start-up with a message that names the key.</summary>
public class SettingsValidationTests
{
    [Theory]
    [InlineData("Delays:CardWorkingDays", "-1", "Delays__CardWorkingDays")]
    [InlineData("Renewal:WindowDays", "soon", "Renewal:WindowDays")]
    [InlineData("Contract:MaxDocumentBytes", "0", "Contract__MaxDocumentBytes")]
    [InlineData("Cards:ValidityYear", "3", "ValidityYear")]
    [InlineData("Idempotency:RetentionHours", "0", "Idempotency__RetentionHours")]
    [InlineData("Idempotency:Retention", "2.00:00:00", "Retention")]
    public async Task A_bad_setting_stops_the_service_naming_the_key(string key, string value, string named)
    {
        var host = new ServiceHost().With(key, value);
        try
        {
            var startup = await Assert.ThrowsAnyAsync<Exception>(host.InitializeAsync);
            Assert.Contains(named, startup.ToString());
        }
        finally
        {
            await ((IAsyncLifetime)host).DisposeAsync();
        }
    }
}
