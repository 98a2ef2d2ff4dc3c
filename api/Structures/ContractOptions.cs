namespace CpxTeleservice.Structures;

/// <summary>The contract of structure's documents.</summary>
public sealed class ContractOptions
{
    public const string Section = "Contract";

    /// <summary>The largest contract document accepted (PDF, PNG, JPEG), in bytes.</summary>
    public int MaxDocumentBytes { get; set; } = 5 * 1024 * 1024;

    internal static IEnumerable<string> Errors(ContractOptions o)
    {
        if (o.MaxDocumentBytes is < 1024 or > 64 * 1024 * 1024)
        {
            yield return "Contract__MaxDocumentBytes must be between 1024 and 67108864 bytes.";
        }
    }
}
