namespace CpxTeleservice.Forms;

/// <summary>
/// One of the ANS's paper forms (seed 004: 101, 201, 301, 502) as the service prefills it: its number and
/// title, what it is for, the prefilled sections, the boxes left empty, and who signs.
/// </summary>
internal sealed record FormDocument(
    string Number,
    string Title,
    string Purpose,
    IReadOnlyList<FormSection> Sections,
    IReadOnlyList<FormBox> Boxes,
    IReadOnlyList<FormSignature> Signatures,
    string Reference,
    DateTimeOffset EditedAt)
{
    /// <summary>The download's file name, e.g. <c>F201-0197….pdf</c>.</summary>
    public string FileName => $"F{Number}-{Reference}.pdf";
}
