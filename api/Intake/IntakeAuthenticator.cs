using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using CpxTeleservice.Audit;
using Grpc.Core;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;

namespace CpxTeleservice.Intake;

/// <summary>
/// Authenticates an intake caller by its organisation certificate (contract.md, Identity and
/// Decisions): validated as card certificates are, but against <c>Trust__OrganisationAnchors</c>, then
/// mapped by its OU (IdNat_Struct) to a configured source, of which it must be one of the configured
/// certificates (subject CN or serial). Refusals are gRPC statuses: 16 for who you
/// are (no, untrusted, expired, non-authentication certificate; unknown source), 7 for a known source
/// calling a service of the other kind. Every refusal is audited through <see cref="RefusalAudit"/>, as
/// REST refusals are: per client address and reason, a bounded number of rows per window carrying a count.
/// </summary>
public sealed partial class IntakeAuthenticator(
    SecuritySettings security,
    IntakeSettings intake,
    RefusalAudit refusals,
    TimeProvider time,
    ILogger<IntakeAuthenticator> logger)
{
    public const string AuthenticationType = "CpxOrganisation";
    public const string UnknownSourceReason = "intake-source-unknown";
    public const string NotAllowedReason = "intake-source-not-allowed";

    /// <summary>The source the caller speaks for, if it may call a service of <paramref name="required"/> kind.</summary>
    /// <exception cref="RpcException">UNAUTHENTICATED or PERMISSION_DENIED, audited.</exception>
    public async Task<IntakeSource> AuthenticateAsync(ServerCallContext context, IntakeKind required)
    {
        var http = context.GetHttpContext();
        var certificate = http.Connection.ClientCertificate;
        if (certificate is null)
        {
            throw await RefuseAsync(context, null, CertificateRefusal.Missing, "No client certificate was presented in the TLS handshake.");
        }

        var profile = CertificateProfile.Read(certificate);
        if (security.OrganisationAnchors is not { } anchors)
        {
            throw await RefuseAsync(context, profile, CertificateRefusal.Untrusted, "No organisation trust anchors are configured (Trust__OrganisationAnchors).");
        }

        var check = CertificateValidator.Validate(certificate, anchors, time.GetUtcNow());
        if (!check.Passed)
        {
            throw await RefuseAsync(context, profile, check.Refusal, check.Detail);
        }

        if (!IssuedByAnchor(certificate, anchors))
        {
            // Card and organisation CAs may share a root: only the organisation CAs issue intake callers.
            throw await RefuseAsync(context, profile, CertificateRefusal.Untrusted, "The certificate is not issued by a configured organisation CA.");
        }

        var source = intake.Find(profile.OrganisationUnit);
        if (source is null)
        {
            throw await RefuseAsync(context, profile, CertificateRefusal.UnknownSource,
                $"No intake source is configured for IdNat_Struct '{profile.OrganisationUnit}'.");
        }

        if (!source.Accepts(certificate, profile.CommonName))
        {
            // Any other certificate of the organisation (an application server's, say) speaks for nobody.
            throw await RefuseAsync(context, profile, CertificateRefusal.UnknownSource,
                $"The certificate CN={profile.CommonName}, serial {certificate.SerialNumber}, is not one of the certificates configured for the source '{source.Name}'.");
        }

        if (source.Kind != required)
        {
            var detail = $"The {source.Kind.ToString().ToLowerInvariant()} source '{source.Name}' may not call {context.Method}.";
            await refusals.RecordAsync(http.Connection.RemoteIpAddress,
                new AuditEntry(source.IdNatStruct, null, null, "authorize", context.Method, "refused:" + NotAllowedReason, detail, http.TraceIdentifier));
            LogRefused(logger, context.Method, NotAllowedReason, detail);
            Telemetry.CpxMetrics.AuthenticationRefused("grpc", NotAllowedReason);
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"{NotAllowedReason}: {detail}"));
        }

        http.User = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, source.IdNatStruct),
            new Claim(ClaimTypes.Name, source.Name),
            new Claim("cpx:intake-kind", source.Kind.ToString().ToLowerInvariant()),
        ], AuthenticationType));
        context.UserState[typeof(IntakeSource)] = source;
        return source;
    }

    /// <summary>The leaf's issuer is one of the bundle's certificates (same name and, when both say, same key identifier).</summary>
    internal static bool IssuedByAnchor(X509Certificate2 certificate, TrustAnchorSet anchors)
    {
        var authorityKeyId = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier;
        foreach (var anchor in anchors.Intermediates.Concat(anchors.Roots))
        {
            if (!anchor.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData))
            {
                continue;
            }

            var subjectKeyId = anchor.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes;
            if (authorityKeyId is null || subjectKeyId is null || authorityKeyId.Value.Span.SequenceEqual(subjectKeyId.Value.Span))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The reason slug of a refusal: the problem types' names, so REST and gRPC audits read alike.</summary>
    public static string ReasonFor(CertificateRefusal refusal) => refusal == CertificateRefusal.UnknownSource
        ? UnknownSourceReason
        : RefusalProblems.For(refusal).Type[ProblemTypes.Prefix.Length..];

    private async Task<RpcException> RefuseAsync(ServerCallContext context, CertificateProfile? profile, CertificateRefusal refusal, string? detail)
    {
        var reason = ReasonFor(refusal);
        var http = context.GetHttpContext();
        await refusals.RecordAsync(http.Connection.RemoteIpAddress, new AuditEntry(
            profile?.OrganisationUnit ?? profile?.CommonName, null, null, "authenticate", context.Method, "refused:" + reason, detail, http.TraceIdentifier));
        LogRefused(logger, context.Method, reason, detail);
        Telemetry.CpxMetrics.AuthenticationRefused("grpc", reason);
        return new RpcException(new Status(StatusCode.Unauthenticated, detail is null ? reason : $"{reason}: {detail}"));
    }

    // Debug: RefusalAudit logs the first refusal of each source and reason per window at Information.
    [LoggerMessage(EventId = 1, EventName = "IntakeCallRefused", Level = LogLevel.Debug, Message = "Intake call {Method} refused ({Reason}): {Detail}")]
    private static partial void LogRefused(ILogger logger, string method, string reason, string? detail);
}
