using System.Net;
using System.Net.Http.Json;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;

namespace CpxTeleservice.Tests.Authorization;

/// <summary>
/// A legal representative or mandataire of structure A against every structure-scoped endpoint of
/// structure B: refused (403 on B's routes, 404 where 403 would reveal that a resource exists), and
/// each refusal audited, in the service-wide trail and in B's.
/// </summary>
public class CrossStructureTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    [Fact]
    public async Task Cross_structure_access_matrix_refuses_and_audits_every_attempt()
    {
        var world = new World(host);
        var a = await world.StructureAsync();
        var (mandataireA, mandataireAClient) = await world.MandataireAsync(a);
        var b = await world.StructureAsync();
        var (mandataireB, _) = await world.MandataireAsync(b);
        var orderB = (await HttpAssert.JsonAsync(await World.OrderAsync(b.LegalRepresentativeClient, b.StructureId, World.CpeOrder()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var cardB = await world.RegisterCardAsync(Registry.NewStaffCard(b.Finess), "CPE", b.StructureId);
        var s = $"/api/v1/structures/{b.StructureId}";

        var matrix = new (string Method, string Url, object? Body, HttpStatusCode Expected)[]
        {
            ("GET", s, null, HttpStatusCode.Forbidden),
            ("GET", $"{s}/mandataires", null, HttpStatusCode.Forbidden),
            ("POST", $"{s}/mandataires", new { idNat = mandataireA.IdNat }, HttpStatusCode.Forbidden),
            ("DELETE", $"{s}/mandataires/{Uri.EscapeDataString(mandataireB.IdNat)}", null, HttpStatusCode.Forbidden),
            ("POST", $"{s}/orders", World.CpeOrder(), HttpStatusCode.Forbidden),
            ("GET", $"{s}/orders", null, HttpStatusCode.Forbidden),
            ("GET", $"/api/v1/orders/{orderB}", null, HttpStatusCode.NotFound),
            ("POST", $"/api/v1/orders/{orderB}/cancellation", null, HttpStatusCode.NotFound),
            ("GET", $"{s}/cards", null, HttpStatusCode.Forbidden),
            ("GET", $"/api/v1/cards/{cardB}", null, HttpStatusCode.NotFound),
            ("POST", $"/api/v1/cards/{cardB}/opposition", new { reason = "stolen" }, HttpStatusCode.NotFound),
            ("POST", $"/api/v1/cards/{cardB}/renewal", null, HttpStatusCode.NotFound),
            ("GET", $"{s}/audit", null, HttpStatusCode.Forbidden),
        };

        foreach (var (caller, client) in new[] { (a.LegalRepresentative, a.LegalRepresentativeClient), (mandataireA, mandataireAClient) })
        {
            foreach (var (method, url, body, expected) in matrix)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = body is null ? null : JsonContent.Create(body) };
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
                request.Headers.TryAddWithoutValidation("If-Match", "*");
                using var response = await client.SendAsync(request);
                Assert.True(response.StatusCode == expected, $"{caller.IdNat}: {method} {url} gave {(int)response.StatusCode}, expected {(int)expected}: {await response.Content.ReadAsStringAsync()}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }

            await using var connection = await host.Database.DataSource.OpenConnectionAsync();
            var audited = await connection.ExecuteScalarAsync<int>(
                "SELECT count(*) FROM audit_events WHERE actor_id_nat = @IdNat AND outcome LIKE 'refused:%' AND structure_id = @StructureId",
                new { caller.IdNat, b.StructureId });
            Assert.Equal(matrix.Length, audited);
        }

        // B's data is untouched.
        var orderState = await HttpAssert.JsonAsync(await b.LegalRepresentativeClient.GetAsync($"/api/v1/orders/{orderB}"));
        Assert.Equal("submitted", orderState.GetProperty("state").GetString());
        var card = await HttpAssert.JsonAsync(await b.LegalRepresentativeClient.GetAsync($"/api/v1/cards/{cardB}"));
        Assert.Equal("active", card.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Operator_endpoints_refuse_structure_cards_and_audit_the_attempt()
    {
        var world = new World(host);
        var a = await world.StructureAsync();
        await HttpAssert.ProblemAsync(await a.LegalRepresentativeClient.GetAsync("/api/v1/admin/orders"), HttpStatusCode.Forbidden, CpxTeleservice.Infrastructure.ProblemTypes.Forbidden);
        await HttpAssert.ProblemAsync(await a.LegalRepresentativeClient.GetAsync("/api/v1/admin/audit"), HttpStatusCode.Forbidden, CpxTeleservice.Infrastructure.ProblemTypes.Forbidden);
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_events WHERE actor_id_nat = @IdNat AND outcome = 'refused:forbidden'", new { a.LegalRepresentative.IdNat }));
    }
}
