namespace CpxTeleservice.Infrastructure;

/// <summary>Where ASP.NET Core keeps its data-protection keys.</summary>
public sealed class DataProtectionKeysOptions
{
    public const string Section = "DataProtection";

    /// <summary>The keys' folder; null leaves ASP.NET Core's default (<c>$HOME/.aspnet</c>).</summary>
    public string? KeysPath { get; set; }

    internal static IEnumerable<string> Errors(DataProtectionKeysOptions o) => [];
}
