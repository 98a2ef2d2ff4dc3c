namespace CpxTeleservice.Forms;

/// <summary>A prefilled line of a form: its printed label and the value the service fills in.</summary>
internal sealed record FormField(string Label, string Value);
