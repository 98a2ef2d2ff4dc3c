namespace CpxTeleservice.Parc;

/// <summary>A certificate of a card, as the registry learnt it.</summary>
public sealed record CardCertificateView(string Usage, string Issuer, string SerialNumber, string Subject, string ThumbprintSha256, DateTime NotBefore, DateTime NotAfter, DateTime? RevokedAt);
