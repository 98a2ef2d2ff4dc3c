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

namespace CpxTeleservice.Tests.Audit;

/// <summary>The structure's audit trail, read back by its legal representative.</summary>
public class AuditTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task The_structure_audit_pages_newest_first_without_repeating_an_entry()
    {
        var structure = await _world.StructureAsync();
        for (var i = 0; i < 3; i++)
        {
            await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created);
        }

        var ids = new List<long>();
        string? cursor = null;
        do
        {
            var page = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync(
                $"/api/v1/structures/{structure.StructureId}/audit?limit=2" + (cursor is null ? "" : $"&cursor={cursor}")));
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.True(ids.Count >= 7, $"{ids.Count} entries"); // registration, card, 2 documents, approval, 3 orders
        Assert.Equal(ids.OrderDescending(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}
