using System.Net;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Grpc;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Hostile;

/// <summary>A host with small request rates, so that a test reaches them in a few requests.</summary>
public sealed class RateLimitHost : ServiceHost
{
    public RateLimitHost()
    {
        With("Limits:RequestsPerSecondPerCard", "5");
        With("Limits:RequestsPerSecondPerAddress", "5");
    }
}

/// <summary>The request rates of README's "Limits" section, reached and answered 429 with their problem.</summary>
public class RateLimitTests(RateLimitHost host) : IClassFixture<RateLimitHost>
{
    private async Task<HttpResponseMessage> UntilRefusedAsync(HttpClient client, string path)
    {
        for (var i = 0; i < 50; i++)
        {
            var response = await client.GetAsync(path);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return response;
            }
        }

        throw new Xunit.Sdk.XunitException("50 requests in a row were not rate-limited");
    }

    [Fact]
    public async Task A_card_over_its_rate_gets_429_rate_limited_with_Retry_After_and_other_cards_are_not_slowed()
    {
        var card = Registry.NewStaffCard();
        await Registry.AddCardAsync(host.Database.DataSource, card, "CPE");
        using var client = host.CreateClient(card);
        using var refused = await UntilRefusedAsync(client, "/api/v1/me");
        await HttpAssert.ProblemAsync(refused, HttpStatusCode.TooManyRequests, ProblemTypes.RateLimited);
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single()) >= 1);

        var other = Registry.NewStaffCard();
        await Registry.AddCardAsync(host.Database.DataSource, other, "CPE");
        using var otherClient = host.CreateClient(other);
        await HttpAssert.JsonAsync(await otherClient.GetAsync("/api/v1/me"));
    }

    [Fact]
    public async Task Requests_without_a_card_are_limited_by_client_address()
    {
        using var anonymous = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        using var refused = await UntilRefusedAsync(anonymous, "/api/v1/me");
        await HttpAssert.ProblemAsync(refused, HttpStatusCode.TooManyRequests, ProblemTypes.RateLimited);
        Assert.True(refused.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task A_gRPC_call_over_the_address_rate_gets_RESOURCE_EXHAUSTED_rate_limited_not_an_HTTP_429()
    {
        using var channel = host.Channel(null);
        var health = new global::Grpc.Health.V1.Health.HealthClient(channel);
        for (var i = 0; i < 50; i++)
        {
            try
            {
                await health.CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest());
            }
            catch (global::Grpc.Core.RpcException refused)
            {
                Assert.Equal(global::Grpc.Core.StatusCode.ResourceExhausted, refused.StatusCode);
                Assert.StartsWith("rate-limited", refused.Status.Detail);
                Assert.True(int.Parse(refused.Trailers.GetValue("grpc-retry-pushback-ms")!) >= 1000);
                return;
            }
        }

        throw new Xunit.Sdk.XunitException("50 gRPC calls in a row were not rate-limited");
    }
}
