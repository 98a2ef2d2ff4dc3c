namespace CpxTeleservice.Domain;

/// <summary>The outcome of an identifier check: valid, or why not (for a field-level 422 problem).</summary>
public readonly record struct IdentifierCheck(bool IsValid, string? Error)
{
    public static IdentifierCheck Ok { get; } = new(true, null);

    public static IdentifierCheck Fail(string error) => new(false, error);
}
