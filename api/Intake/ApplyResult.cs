using CpxTeleservice.Intake.V1;
using Npgsql;

namespace CpxTeleservice.Intake;

/// <summary>
/// What applying a batch did: the orders created, the records refused on what the database holds (by position in
/// the batch), and the cards its radiations put in opposition (counted once the batch commits).
/// </summary>
public sealed record ApplyResult(Dictionary<int, string> Orders, Dictionary<int, Verdict> Rejected, int Opposed = 0)
{
    public static ApplyResult Empty => new([], []);
}
