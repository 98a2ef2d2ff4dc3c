using System.Net;
using System.Text.Json;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Logging;

/// <summary>
/// Logs are JSON lines with timestamp, level, event name, trace id and request id; each request gets
/// one Information line naming the caller by IdNat only.
/// </summary>
public class StructuredLogTests(LogCapturingHost host) : IClassFixture<LogCapturingHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task Each_request_is_one_JSON_line_with_its_trace_request_id_and_the_callers_IdNat_and_no_name()
    {
        var structure = await _world.StructureAsync();
        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}"));

        // The line is written once the response has been sent: wait for it a little.
        var requests = await WaitForAsync(l => l.TryGetProperty("eventName", out var name) && name.GetString() == "Request"
            && l.GetProperty("method").GetString() == "GET" && l.TryGetProperty("route", out var route) && route.GetString()!.TrimEnd('/') == "/api/v1/structures/{structureId:guid}"
            && l.TryGetProperty("callerIdNat", out var idNat) && idNat.GetString() == structure.LegalRepresentative.IdNat);
        var line = Assert.Single(requests);

        Assert.Equal("Information", line.GetProperty("level").GetString());
        Assert.Equal(200, line.GetProperty("status").GetInt32());
        Assert.Matches("^[0-9a-f]{32}$", line.GetProperty("traceId").GetString());
        Assert.False(string.IsNullOrEmpty(line.GetProperty("requestId").GetString()));
        Assert.True(DateTimeOffset.TryParse(line.GetProperty("timestamp").GetString(), out _));
        Assert.All(host.Capture.Lines, l => Assert.DoesNotContain(structure.LegalRepresentative.Nom, l));
    }

    [Fact]
    public async Task A_refused_request_is_logged_once_with_its_status_and_no_caller()
    {
        using var anonymous = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        var path = "/api/v1/me";
        using var response = await anonymous.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var requestId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("requestId").GetString();

        var line = Assert.Single(await WaitForAsync(
            l => l.TryGetProperty("eventName", out var name) && name.GetString() == "Request" && l.GetProperty("requestId").GetString() == requestId));
        Assert.Equal(401, line.GetProperty("status").GetInt32());
        Assert.False(line.TryGetProperty("callerIdNat", out _));
    }

    private async Task<List<JsonElement>> WaitForAsync(Func<JsonElement, bool> match)
    {
        for (var attempt = 0; ; attempt++)
        {
            var found = host.Capture.Lines.Select(l => JsonDocument.Parse(l).RootElement).Where(match).ToList();
            if (found.Count > 0 || attempt == 50)
            {
                return found;
            }

            await Task.Delay(100);
        }
    }
}
