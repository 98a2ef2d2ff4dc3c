namespace CpxTeleservice.Forms;

/// <summary>An empty framed area left for someone else to fill by hand (the ARS visa).</summary>
internal sealed record FormBox(string Title, string Caption, double Height);
