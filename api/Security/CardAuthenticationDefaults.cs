namespace CpxTeleservice.Security;

public static class CardAuthenticationDefaults
{
    public const string Scheme = "CpxCard";
    public const string OperatorPolicy = "operator";
    public const string OperatorClaim = "cpx:operator";
}
