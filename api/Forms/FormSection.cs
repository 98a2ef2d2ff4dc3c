namespace CpxTeleservice.Forms;

/// <summary>A titled group of prefilled lines (the structure, the holder, the order…).</summary>
internal sealed record FormSection(string Title, IReadOnlyList<FormField> Fields);
