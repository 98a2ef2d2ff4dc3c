using System.Net;
using System.Net.Http.Json;
using System.Text;
using CpxTeleservice.Authorization;
using CpxTeleservice.DevPki;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Security;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.Hosting;

/// <summary>Errors are RFC 9457 problems everywhere, and health is reported without a certificate.</summary>
public class ProblemDetailsTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task Unknown_route_is_a_404_problem()
    {
        using var client = host.CreateClient(ServiceHost.Operator);
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/nothing-here"), HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task Wrong_method_is_a_405_problem()
    {
        using var client = host.CreateClient(ServiceHost.Operator);
        await HttpAssert.ProblemAsync(await client.DeleteAsync("/api/v1/me"), HttpStatusCode.MethodNotAllowed, ProblemTypes.MethodNotAllowed);
    }

    [Fact]
    public async Task Problems_carry_the_request_id()
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        var problem = await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateRequired);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("requestId").GetString()));
    }

    [Fact]
    public async Task Liveness_and_readiness_answer_without_a_certificate()
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        Assert.Equal("live", (await HttpAssert.JsonAsync(await client.GetAsync("/health/live"))).GetProperty("status").GetString());
        Assert.Equal("ready", (await HttpAssert.JsonAsync(await client.GetAsync("/health/ready"))).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_malformed_JSON_body_is_a_400_problem()
    {
        using var content = new StringContent("{\"finess\": ", Encoding.UTF8, "application/json");
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsync("/api/v1/admin/structures", content), HttpStatusCode.BadRequest, ProblemTypes.BadRequest);
    }

    [Theory]
    [InlineData("limit=many")]
    [InlineData("limit=99999999999")]
    public async Task A_page_limit_that_is_not_a_number_is_a_400_problem(string query)
    {
        var structure = await _world.StructureAsync();
        await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}/orders?{query}"),
            HttpStatusCode.BadRequest, ProblemTypes.BadRequest);
    }

    [Fact]
    public async Task A_page_limit_out_of_range_is_clamped_and_a_foreign_cursor_is_a_422_naming_the_field()
    {
        var structure = await _world.StructureAsync();
        var page = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}/orders?limit=0"));
        Assert.Equal(System.Text.Json.JsonValueKind.Array, page.GetProperty("items").ValueKind);
        var problem = await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/me/orders?cursor=not-ours"),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("cursor", out _));
    }
}
