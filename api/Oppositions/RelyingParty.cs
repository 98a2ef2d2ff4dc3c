namespace CpxTeleservice.Oppositions;

/// <summary>A system that must refuse opposed cards, known by its organisation certificate's OU (IdNat_Struct) and CN.</summary>
public sealed class RelyingParty
{
    public string IdNatStruct { get; set; } = "";
    public string CommonName { get; set; } = "";
    public string Name { get; set; } = "";
}
