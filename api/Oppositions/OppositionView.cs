namespace CpxTeleservice.Oppositions;

/// <summary>One card put in opposition: its serial (the token id's), its certificates, when and why.</summary>
public sealed record OppositionView(Guid EventId, string CardSerial, string CardType, DateTime OpposedAt, string? Reason,
    IReadOnlyList<OppositionCertificate> Certificates);
