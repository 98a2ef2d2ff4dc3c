using System.Security.Cryptography.X509Certificates;

namespace CpxTeleservice.Intake;

/// <summary>Who feeds the intake: an Ordre (RPPS professions) or an ARS (ADELI professions, visas).</summary>
public enum IntakeKind
{
    Ordre,
    Ars,
}
