namespace CpxTeleservice.Orders;

/// <summary>What an order needs of its structure: the contract's state, the legal representative, the IdNat_Struct.</summary>
internal sealed record StructureForOrder(string ContractState, string LegalRepresentativeIdNat, Guid LegalRepresentativeId,
    bool LegalRepresentativeHealthProfessional, string IdNatStruct)
{
    /// <summary>The IdNat prefix of the structure's staff cards: 3+FINESS/ or 5+SIRET/ (docs/domain.md, Identifiers).</summary>
    public string StaffPrefix => (IdNatStruct[0] == '1' ? "3" : "5") + IdNatStruct[1..] + "/";
}
