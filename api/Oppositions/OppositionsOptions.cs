namespace CpxTeleservice.Oppositions;

/// <summary>The relying parties that may read the opposition feed.</summary>
public sealed class OppositionsOptions
{
    public const string Section = "Oppositions";

    public List<RelyingParty> RelyingParties { get; set; } = [];

    internal RelyingParty? Find(string? idNatStruct, string? commonName) =>
        RelyingParties.FirstOrDefault(p => p.IdNatStruct == idNatStruct && p.CommonName == commonName);

    internal static IEnumerable<string> Errors(OppositionsOptions o)
    {
        for (var i = 0; i < o.RelyingParties.Count; i++)
        {
            var party = o.RelyingParties[i];
            if (string.IsNullOrWhiteSpace(party.IdNatStruct))
            {
                yield return $"Oppositions__RelyingParties__{i}__IdNatStruct is required.";
            }

            if (string.IsNullOrWhiteSpace(party.CommonName))
            {
                yield return $"Oppositions__RelyingParties__{i}__CommonName is required.";
            }

            if (string.IsNullOrWhiteSpace(party.Name))
            {
                yield return $"Oppositions__RelyingParties__{i}__Name is required.";
            }
        }

        foreach (var twice in o.RelyingParties.GroupBy(p => (p.IdNatStruct, p.CommonName)).Where(g => g.Count() > 1))
        {
            yield return $"Oppositions__RelyingParties: the certificate OU {twice.Key.IdNatStruct}, CN {twice.Key.CommonName} is configured twice.";
        }
    }
}
