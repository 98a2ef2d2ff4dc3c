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

namespace CpxTeleservice.Tests.Authorization;

/// <summary>Rule 2 of a structure's orders: which card acts for a structure, in which role.</summary>
public class AccessTests
{
    [Fact]
    public void Rule2_a_CPF_never_acts_for_a_structure_and_a_CDE_only_for_its_legal_representative()
    {
        Assert.False(Access.CardMayActForStructure(CardType.CPF, StructureRoleKind.Mandataire));
        Assert.False(Access.CardMayActForStructure(CardType.CPF, StructureRoleKind.LegalRepresentative));
        Assert.False(Access.CardMayActForStructure(CardType.CDE, StructureRoleKind.Mandataire));
        Assert.True(Access.CardMayActForStructure(CardType.CDE, StructureRoleKind.LegalRepresentative));
        Assert.All(new[] { CardType.CPS, CardType.CPE, CardType.CPA },
            card => Assert.True(Access.CardMayActForStructure(card, StructureRoleKind.Mandataire)));
        Assert.False(Access.CardMayActForStructure(CardType.CPS, StructureRoleKind.None));
    }
}
