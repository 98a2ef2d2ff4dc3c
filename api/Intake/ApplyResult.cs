using CpxTeleservice.Intake.V1;
using Npgsql;

namespace CpxTeleservice.Intake;

/// <summary>What applying a batch did: the orders created, and the records refused on what the database holds (by position in the batch).</summary>
public sealed record ApplyResult(Dictionary<int, string> Orders, Dictionary<int, Verdict> Rejected)
{
    public static ApplyResult Empty => new([], []);
}
