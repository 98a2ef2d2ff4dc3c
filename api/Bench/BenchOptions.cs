namespace CpxTeleservice.Bench;

/// <summary>The benchmark harness's ceiling endpoint.</summary>
public sealed class BenchOptions
{
    public const string Section = "Bench";

    /// <summary>Maps <c>GET /api/v1/bench/bare</c>, authenticated and doing nothing else.</summary>
    public bool BareEndpoint { get; set; }

    internal static IEnumerable<string> Errors(BenchOptions o) => [];
}
