namespace CpxTeleservice.Orders;

/// <summary>The rules' verdict: a refusal naming the rule, or the state the order starts in.</summary>
internal sealed record RuleVerdict(string? ProblemType, string? Title, string? Detail, string? InitialState)
{
    public bool Refused => ProblemType is not null;
    public static RuleVerdict Refuse(string type, string title, string detail) => new(type, title, detail, null);
    public static RuleVerdict Accept(string state) => new(null, null, null, state);
}
