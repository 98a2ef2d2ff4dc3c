namespace CpxTeleservice.Security;

/// <summary>An ANS operator: a card holder named in configuration by IdNat and card serial.</summary>
public sealed class OperatorCard
{
    public string IdNat { get; set; } = "";
    public string CardSerial { get; set; } = "";
}
