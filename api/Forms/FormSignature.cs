namespace CpxTeleservice.Forms;

/// <summary>A signature block: who signs (their role, and their name when the service knows it), with date and signature lines.</summary>
internal sealed record FormSignature(string Role, string? Name);
