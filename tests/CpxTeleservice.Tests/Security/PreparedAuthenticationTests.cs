using System.Net;
using System.Net.Http.Json;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.Security;

/// <summary>
/// contract.md, Identity: a card put in opposition stops authenticating on the very next request. The
/// registry read is a prepared statement on a pooled session that is not reset between requests: nothing
/// of it may be cached but the plan.
/// </summary>
public class PreparedAuthenticationTests(PreparedAuthenticationHost host) : IClassFixture<PreparedAuthenticationHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task Opposition_is_refused_on_the_very_next_request_when_the_registry_read_is_a_prepared_statement()
    {
        var structure = await _world.StructureAsync();
        var card = Registry.NewStaffCard(structure.Finess, "PREPAREE");
        var cardId = await _world.RegisterCardAsync(card, "CPE", structure.StructureId);
        using var holder = host.CreateClient(card);
        for (var i = 0; i < 5; i++)
        {
            await HttpAssert.JsonAsync(await holder.GetAsync("/api/v1/me"));
        }

        // The authentication pool's one session holds the registry read as a prepared statement.
        Assert.Contains(await PreparedStatementsAsync(), statement => statement.Contains("WHERE c.serial = $1", StringComparison.Ordinal));

        using (var opposition = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cards/{cardId}/opposition") { Content = JsonContent.Create(new { reason = "lost" }) })
        {
            opposition.Headers.TryAddWithoutValidation("If-Match", "*");
            await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.SendAsync(opposition));
        }

        await HttpAssert.ProblemAsync(await holder.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardInOpposition);
        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync("/api/v1/me"));
    }

    /// <summary>The statements prepared on the authentication pool's session (the pool holds one, so this is the handler's).</summary>
    private async Task<List<string>> PreparedStatementsAsync()
    {
        await using var connection = await host.Services.GetRequiredService<AuthenticationDatabase>().DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<string>("SELECT statement FROM pg_prepared_statements")).ToList();
    }
}
