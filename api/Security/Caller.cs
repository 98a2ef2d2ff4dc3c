namespace CpxTeleservice.Security;

/// <summary>The card that authenticated the request, as the registry (or, for an operator, the certificate) knows it.</summary>
public sealed record Caller(
    string IdNat,
    CardType CardType,
    string CardSerial,
    string? Profession,
    string? Nom,
    string? Prenom,
    Guid? PersonId,
    Guid? CardId,
    bool IsOperator)
{
    /// <summary>Endpoints behind authorization always have a caller; one without is a server error, not a client's.</summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context) => ValueTask.FromResult<Caller?>(context.Caller());
}
