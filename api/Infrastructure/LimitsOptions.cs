using System.ComponentModel.DataAnnotations;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// Every limit the service puts on its callers (README, "Limits"), from the <c>Limits</c> section
/// (<c>Limits__Name</c> in the environment). The defaults are generous: they bound a hostile caller,
/// not a structure's software.
/// </summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>The window over which refused authentications from one source and reason are counted.</summary>
    [Range(1, 3600)]
    public int RefusalAuditWindowSeconds { get; set; } = 60;

    /// <summary>Refusals of one source and reason recorded one row each per window; the rest make one row with their count.</summary>
    [Range(0, 1000)]
    public int RefusalAuditRowsPerWindow { get; set; } = 10;

    /// <summary>Sources followed at once; beyond, new sources share one counter.</summary>
    [Range(1, 1_000_000)]
    public int RefusalAuditMaxSources { get; set; } = 10_000;

    /// <summary>Longest excerpt of caller-chosen text (path, claimed names) an audit row keeps.</summary>
    [Range(16, 4096)]
    public int AuditExcerptLength { get; set; } = 256;

    /// <summary>Longest string accepted anywhere: a JSON string value, a query parameter, the path.</summary>
    [Range(64, 1_000_000)]
    public int MaxStringLength { get; set; } = 1000;
}
