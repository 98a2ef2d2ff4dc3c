namespace CpxTeleservice.Security;

/// <summary>Card types of the CPx family. CPE and CDE share the G02 code 2: the registry tells them apart.</summary>
public enum CardType
{
    CPS,
    CPF,
    CPE,
    CDE,
    CPA,
}
