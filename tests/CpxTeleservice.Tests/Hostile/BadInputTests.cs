using System.Net;
using System.Text;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Hostile;

/// <summary>
/// Every bad input is a documented 4xx problem, never a 500 (README, "Limits"): control characters,
/// lone surrogates, duplicate and unknown JSON properties, over-long strings, in bodies, queries and paths.
/// </summary>
public class BadInputTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private static string CardBody(string nom, string extra = "") =>
        $$"""{"cardType":"CPE","serial":"{{Registry.NextSerial()}}","holder":{"idNat":"3750812349/X1","nom":{{nom}},"prenom":"ANNE","healthProfessional":false}{{extra}},"validUntil":"2030-01-01T00:00:00Z"}""";

    private async Task<HttpResponseMessage> PostCardAsync(string json)
    {
        using var client = host.CreateClient(ServiceHost.Operator);
        return await client.PostAsync("/api/v1/admin/cards", new StringContent(json, Encoding.UTF8, "application/json"));
    }

    [Theory]
    [InlineData("\"DU\\u0000PONT\"")]      // NUL
    [InlineData("\"DU\\u001bPONT\"")]      // ESC
    [InlineData("\"DU\\u007fPONT\"")]      // DEL
    [InlineData("\"DU\\ud800PONT\"")]      // a lone high surrogate
    [InlineData("\"DU\\udc00PONT\"")]      // a lone low surrogate
    public async Task Control_character_or_lone_surrogate_in_a_JSON_string_is_a_400_bad_request(string nom)
    {
        await HttpAssert.ProblemAsync(await PostCardAsync(CardBody(nom)), HttpStatusCode.BadRequest, ProblemTypes.BadRequest);
    }

    [Fact]
    public async Task Tab_and_line_breaks_and_non_ASCII_letters_are_accepted()
    {
        var response = await PostCardAsync(CardBody("\"DUPONT\\tÉLODIE \\uD83D\\uDE00\""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Duplicate_JSON_property_is_a_400_bad_request()
    {
        await HttpAssert.ProblemAsync(await PostCardAsync(CardBody("\"DUPONT\"", ",\"cardType\":\"CPS\"")), HttpStatusCode.BadRequest, ProblemTypes.BadRequest);
    }

    [Fact]
    public async Task Unknown_JSON_property_is_a_400_bad_request()
    {
        await HttpAssert.ProblemAsync(await PostCardAsync(CardBody("\"DUPONT\"", ",\"isAdmin\":true")), HttpStatusCode.BadRequest, ProblemTypes.BadRequest);
    }

    [Fact]
    public async Task String_longer_than_the_limit_is_a_400_bad_request()
    {
        await HttpAssert.ProblemAsync(await PostCardAsync(CardBody("\"" + new string('A', 1001) + "\"")), HttpStatusCode.BadRequest, ProblemTypes.BadRequest);
    }

    [Theory]
    [InlineData("holder=%00")]
    [InlineData("holder=DU%01PONT")]
    [InlineData("holder=%7F")]
    public async Task Control_character_in_a_query_is_a_400_bad_request_even_before_authentication(string query)
    {
        using var client = host.CreateClient(ServiceHost.Operator);
        await HttpAssert.ProblemAsync(await client.GetAsync($"/api/v1/structures/{Guid.NewGuid()}/cards?{query}"), HttpStatusCode.BadRequest, ProblemTypes.BadRequest);
        using var anonymous = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        await HttpAssert.ProblemAsync(await anonymous.GetAsync($"/api/v1/structures/{Guid.NewGuid()}/cards?{query}"), HttpStatusCode.BadRequest, ProblemTypes.BadRequest);
    }

    [Fact]
    public async Task Query_value_longer_than_the_limit_is_a_400_bad_request()
    {
        using var client = host.CreateClient(ServiceHost.Operator);
        await HttpAssert.ProblemAsync(await client.GetAsync($"/api/v1/structures/{Guid.NewGuid()}/cards?holder={new string('A', 1001)}"),
            HttpStatusCode.BadRequest, ProblemTypes.BadRequest);
    }
}
