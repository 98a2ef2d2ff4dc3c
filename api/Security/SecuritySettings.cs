namespace CpxTeleservice.Security;

/// <summary>The trust anchors and operators, loaded once at start-up so that a bad setting stops the start.</summary>
public sealed class SecuritySettings
{
    public required TrustAnchorSet CardAnchors { get; init; }
    public TrustAnchorSet? OrganisationAnchors { get; init; }
    public required IReadOnlyList<OperatorCard> Operators { get; init; }

    public bool IsOperator(string idNat, string cardSerial) =>
        Operators.Any(o => o.IdNat == idNat && o.CardSerial == cardSerial);

    public static SecuritySettings Load(IConfiguration configuration, IHostEnvironment environment)
    {
        string Resolve(string key) =>
            configuration[key] is { Length: > 0 } value
                ? Path.GetFullPath(value, environment.ContentRootPath)
                : throw new InvalidOperationException($"The setting {key.Replace(":", "__")} (a PEM bundle of trust anchors) is required.");

        var operators = configuration.GetSection("Operators").Get<List<OperatorCard>>() ?? [];
        var incomplete = operators.FirstOrDefault(o => o.IdNat.Length == 0 || o.CardSerial.Length == 0);
        if (incomplete is not null)
        {
            throw new InvalidOperationException("Every operator needs both Operators__N__IdNat and Operators__N__CardSerial.");
        }

        return new SecuritySettings
        {
            CardAnchors = TrustAnchorSet.LoadPem(Resolve("Trust:CardAnchors")),
            OrganisationAnchors = configuration["Trust:OrganisationAnchors"] is { Length: > 0 }
                ? TrustAnchorSet.LoadPem(Resolve("Trust:OrganisationAnchors"))
                : null,
            Operators = operators,
        };
    }
}
