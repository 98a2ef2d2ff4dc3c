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

namespace CpxTeleservice.Tests.Admin;

/// <summary>Cards enter the registry once per serial, whether registered from the field or issued from an order.</summary>
public class CardRegistrationTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task A_card_serial_is_registered_once_and_issued_once()
    {
        var structure = await _world.StructureAsync();
        var card = Registry.NewStaffCard(structure.Finess);
        await _world.RegisterCardAsync(card, "CPE", structure.StructureId);
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync("/api/v1/admin/cards", new
        {
            cardType = "CPE", serial = card.CardSerial, holder = new { idNat = card.IdNat + "B", nom = "N", prenom = "P" }, validUntil = DateTime.UtcNow.AddYears(1),
        }), HttpStatusCode.Conflict, ProblemTypes.CardSerialTaken);

        var order = (await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await _world.EventAsync(order, "in-production");
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync($"/api/v1/admin/orders/{order}/events", new { @event = "card-shipped", cardSerial = card.CardSerial }),
            HttpStatusCode.Conflict, ProblemTypes.CardSerialTaken);
    }

    [Theory]
    [InlineData("CPS", null)]
    [InlineData("CPF", null)]
    [InlineData("CPE", "60")]
    [InlineData("CDE", "60")]
    [InlineData("CPA", "10")]
    public async Task A_registered_card_type_and_profession_agree(string cardType, string? profession)
    {
        var card = Registry.NewStaffCard();
        var problem = await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync("/api/v1/admin/cards", new
        {
            cardType, serial = card.CardSerial, holder = new { idNat = card.IdNat, nom = "N", prenom = "P" }, profession, validUntil = DateTime.UtcNow.AddYears(1),
        }), HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("profession", out _));
    }
}
