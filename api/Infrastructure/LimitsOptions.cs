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

    /// <summary>Requests per second an authenticated card may make (token bucket, by IdNat); also its burst.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerSecondPerCard { get; set; } = 5000;

    /// <summary>Requests per second from one client address before authentication succeeds (no card, a refused card, gRPC, probes).</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerSecondPerAddress { get; set; } = 500;

    /// <summary>CSV exports of the parc one caller may run at once.</summary>
    [Range(1, 1000)]
    public int ConcurrentExportsPerCaller { get; set; } = 2;

    /// <summary>CSV exports the whole service runs at once.</summary>
    [Range(1, 1000)]
    public int ConcurrentExports { get; set; } = 8;

    /// <summary>Kestrel: open connections at most.</summary>
    [Range(1, 1_000_000)]
    public int MaxConnections { get; set; } = 2000;

    /// <summary>Kestrel: concurrent HTTP/2 streams per connection.</summary>
    [Range(1, 10_000)]
    public int MaxStreamsPerConnection { get; set; } = 100;

    /// <summary>Kestrel: seconds a client has to send the request headers.</summary>
    [Range(1, 3600)]
    public int RequestHeadersTimeoutSeconds { get; set; } = 10;

    /// <summary>Largest body of a JSON request (every route but the document upload, which takes Contract__MaxDocumentBytes, and gRPC, which has its own).</summary>
    [Range(1024, 100_000_000)]
    public int MaxJsonBodyBytes { get; set; } = 65_536;

    /// <summary>Documents a structure's contract may hold.</summary>
    [Range(2, 10_000)]
    public int MaxDocumentsPerContract { get; set; } = 20;

    /// <summary>Database connections kept for authentication alone (the card registry and refusals' audit), apart from the pool everything else shares.</summary>
    [Range(1, 1000)]
    public int AuthenticationPoolSize { get; set; } = 10;
}
