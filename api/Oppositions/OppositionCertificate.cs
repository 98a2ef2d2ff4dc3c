namespace CpxTeleservice.Oppositions;

/// <summary>A certificate of an opposed card: refuse it by issuer and serial number, as a CRL entry names it.</summary>
public sealed record OppositionCertificate(string Issuer, string SerialNumber, string Usage);
