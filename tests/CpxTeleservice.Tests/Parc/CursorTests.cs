using System.Net;
using System.Security.Cryptography;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Parc;

/// <summary>Cursors are the service's own: sealed for the list that issued them, refused otherwise.</summary>
public class CursorTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task A_forged_altered_or_foreign_cursor_is_a_422_on_cursor_and_the_issued_one_pages()
    {
        var structure = await _world.StructureAsync();
        var other = await _world.StructureAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await _world.RegisterCardAsync(Registry.NewStaffCard(structure.Finess), "CPE", structure.StructureId));
        }

        var client = structure.LegalRepresentativeClient;
        var list = $"/api/v1/structures/{structure.StructureId}/cards?type=CPE&limit=1";
        var issued = (await HttpAssert.JsonAsync(await client.GetAsync(list))).GetProperty("nextCursor").GetString()!;
        var next = await HttpAssert.JsonAsync(await client.GetAsync($"{list}&cursor={issued}"));
        Assert.Equal(ids[1], next.GetProperty("items")[0].GetProperty("id").GetGuid());

        var middle = issued.Length / 2;
        var altered = issued[..middle] + (issued[middle] == 'A' ? 'B' : 'A') + issued[(middle + 1)..];
        // What an unsealed cursor would be: the base64url of the first card's id.
        var forged = Convert.ToBase64String(ids[0].ToByteArray(bigEndian: true)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var random = Convert.ToBase64String(RandomNumberGenerator.GetBytes(100)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var tooLong = new string('A', Cursor.MaxLength + 1);
        foreach (var bad in new[] { altered, forged, random, tooLong })
        {
            var problem = await HttpAssert.ProblemAsync(await client.GetAsync($"{list}&cursor={bad}"), HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
            Assert.True(problem.GetProperty("errors").TryGetProperty("cursor", out _), bad);
        }

        // Issued by this service, but for another list: the orders list, another structure's parc.
        await HttpAssert.ProblemAsync(await client.GetAsync($"/api/v1/structures/{structure.StructureId}/orders?cursor={issued}"),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        await HttpAssert.ProblemAsync(await other.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{other.StructureId}/cards?cursor={issued}"),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
    }

    [Fact]
    public async Task An_audit_cursor_is_refused_by_another_list_and_an_altered_one_by_its_own()
    {
        var structure = await _world.StructureAsync();
        var client = structure.LegalRepresentativeClient;
        var audit = $"/api/v1/structures/{structure.StructureId}/audit?limit=1";
        var issued = (await HttpAssert.JsonAsync(await client.GetAsync(audit))).GetProperty("nextCursor").GetString()!;
        await HttpAssert.JsonAsync(await client.GetAsync($"{audit}&cursor={issued}"));

        var altered = issued[..^4] + (issued[^4] == 'A' ? 'B' : 'A') + issued[^3..];
        await HttpAssert.ProblemAsync(await client.GetAsync($"{audit}&cursor={altered}"), HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        await HttpAssert.ProblemAsync(await client.GetAsync($"/api/v1/structures/{structure.StructureId}/cards?cursor={issued}"),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
    }
}
