using System.Text.Json;
using CpxTeleservice.Audit;
using CpxTeleservice.Events;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Intake;
using CpxTeleservice.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Oppositions;

/// <summary>
/// Opposition at once for relying parties: the serials of opposed cards and of their certificates, in the
/// order they were opposed, read after a cursor. The caller is a configured relying party, authenticated
/// by its organisation certificate (chain to <c>Trust__OrganisationAnchors</c>, issued by one of its CAs,
/// OU and CN configured), not by a card: the route sits outside the card-authenticated group.
/// </summary>
public static partial class OppositionsApi
{
    public static IEndpointRouteBuilder MapOppositionsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/oppositions", List).WithTags("Oppositions").WithName("ListOppositions")
            .WithSummary("Cards put in opposition, in order, after a cursor (relying parties, organisation certificate)");
        return app;
    }

    private static async Task<IResult> List(string? after, int? limit, HttpContext http, NpgsqlDataSource dataSource, SecuritySettings security,
        IOptions<OppositionsOptions> options, AuditLog audit, TimeProvider time, ILoggerFactory loggers, IDataProtectionProvider dataProtection,
        CancellationToken cancellationToken)
    {
        var cursors = Cursor.For(dataProtection, "oppositions");
        var certificate = await http.Connection.GetClientCertificateAsync(cancellationToken);
        var (refusal, detail) = Authenticate(certificate, security, options.Value, time);
        if (refusal is not null)
        {
            var profile = certificate is null ? null : CertificateProfile.Read(certificate);
            await audit.RecordAsync(new AuditEntry(null, null, null, "authenticate", $"{http.Request.Method} {http.Request.Path}", "refused:" + refusal,
                profile is null ? detail : $"{detail} Claimed: OU {profile.OrganisationUnit}, CN {profile.CommonName}.", http.TraceIdentifier));
            LogRefused(loggers.CreateLogger(typeof(OppositionsApi)), refusal, detail);
            return Problem.Status(StatusCodes.Status401Unauthorized, ProblemTypes.Prefix + refusal, "The caller is not a relying party", detail);
        }

        if (!Cursor.TryDecodeLong(cursors, after, out var position) || position < 0)
        {
            return new FieldErrors().Add("after", "is not a cursor this service issued.").ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await EventOutbox.SequenceAsync(connection, cancellationToken);
        var from = position ?? 0;
        var rows = await EventOutbox.OppositionsAfterAsync(connection, from, Cursor.Limit(limit), cancellationToken);
        var items = rows.Select(ToView).ToList();
        // Nothing new: the caller's own cursor comes back unchanged (a sealed cursor differs at each sealing).
        var cursor = rows.Count == 0 && !string.IsNullOrEmpty(after) ? after : Cursor.Encode(cursors, rows.Count > 0 ? rows[^1].Position : from);
        return TypedResults.Ok(new OppositionPage(items, cursor));
    }

    /// <summary>Null when the certificate is a configured relying party's; otherwise the refusal's problem name and why.</summary>
    private static (string? Refusal, string Detail) Authenticate(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate,
        SecuritySettings security, OppositionsOptions options, TimeProvider time)
    {
        if (certificate is null)
        {
            return (Reason(CertificateRefusal.Missing), "No client certificate was presented in the TLS handshake.");
        }

        if (security.OrganisationAnchors is not { } anchors)
        {
            return (Reason(CertificateRefusal.Untrusted), "No organisation trust anchors are configured (Trust__OrganisationAnchors).");
        }

        var check = CertificateValidator.Validate(certificate, anchors, time.GetUtcNow());
        if (!check.Passed)
        {
            return (Reason(check.Refusal), check.Detail ?? check.Refusal.ToString());
        }

        if (!IntakeAuthenticator.IssuedByAnchor(certificate, anchors))
        {
            return (Reason(CertificateRefusal.Untrusted), "The certificate is not issued by a configured organisation CA.");
        }

        var profile = CertificateProfile.Read(certificate);
        return options.Find(profile.OrganisationUnit, profile.CommonName) is null
            ? (ProblemTypes.RelyingPartyUnknown[ProblemTypes.Prefix.Length..], $"No relying party is configured for OU '{profile.OrganisationUnit}', CN '{profile.CommonName}'.")
            : (null, "");
    }

    private static string Reason(CertificateRefusal refusal) => RefusalProblems.For(refusal).Type[ProblemTypes.Prefix.Length..];

    private static OppositionView ToView(EventRow row)
    {
        using var document = JsonDocument.Parse(row.Data);
        var data = document.RootElement;
        var certificates = data.TryGetProperty("certificates", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(c => new OppositionCertificate(
                c.GetProperty("issuer").GetString()!, c.GetProperty("serialNumber").GetString()!, c.GetProperty("usage").GetString()!)).ToList()
            : [];
        return new OppositionView(row.Id, data.GetProperty("serial").GetString()!, data.GetProperty("cardType").GetString()!,
            DateTime.SpecifyKind(row.OccurredAt, DateTimeKind.Utc),
            data.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null, certificates);
    }

    [LoggerMessage(EventId = 1, EventName = "RelyingPartyRefused", Level = LogLevel.Information, Message = "Opposition feed refused ({Reason}): {Detail}")]
    private static partial void LogRefused(ILogger logger, string reason, string detail);
}
