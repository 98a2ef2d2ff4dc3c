namespace CpxTeleservice.Orders;

/// <summary>A dated row of the profession catalogue, as read.</summary>
internal sealed class ProfessionPeriodRow
{
    public string Code { get; set; } = "";
    public string Label { get; set; } = "";
    public DateTime ValidFrom { get; set; }
    public DateTime? ValidUntil { get; set; }
    public string Channel { get; set; } = "";
    public string Register { get; set; } = "";
    public bool SalariedOnly { get; set; }
    public bool CpfEligible { get; set; }
    public string? RegisteredBy { get; set; }
    public string? RecordedBy { get; set; }
    public DateTime? RecordedAt { get; set; }
}
