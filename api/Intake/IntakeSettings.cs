using System.Security.Cryptography.X509Certificates;

namespace CpxTeleservice.Intake;

/// <summary>The configured intake sources by IdNat_Struct (validated at start-up by <see cref="IntakeOptions"/>).</summary>
public sealed class IntakeSettings(Microsoft.Extensions.Options.IOptions<IntakeOptions> options)
{
    private readonly Dictionary<string, IntakeSource> _byIdNatStruct =
        options.Value.Sources.ToDictionary(s => s.IdNatStruct, StringComparer.Ordinal);

    public IReadOnlyList<IntakeSource> Sources => options.Value.Sources;

    public IntakeSource? Find(string? idNatStruct) =>
        idNatStruct is not null && _byIdNatStruct.TryGetValue(idNatStruct, out var source) ? source : null;
}
