using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using System.Text.Encodings.Web;
using CpxTeleservice.Audit;
using CpxTeleservice.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Security;

/// <summary>
/// Authenticates a request by the card certificate presented in the TLS handshake (contract.md, Identity).
/// TLS accepts a connection without a certificate so that each refusal can be answered here with a
/// 401 problem naming its reason. The chain check is cached per connection (it cannot change while
/// the connection lives, but for the dates); the registry is read on every request so that a card
/// put in opposition stops authenticating at once, on every instance.
/// </summary>
public sealed class CardAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    SecuritySettings settings,
    AuthenticationDatabase authenticationDatabase,
    AuditLog audit,
    RefusalAudit refusals,
    CardRates rates,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string ConnectionCacheKey = "cpx.certificate-check";
    private const string RecordedCertificateKey = "cpx.certificate-recorded";
    private const string AuthenticatedKey = "cpx.card-authenticated";
    private static readonly TimeSpan ConnectionCacheLifetime = TimeSpan.FromMinutes(5);

    private sealed record CachedCheck(string Thumbprint, CertificateCheck Check, CertificateProfile Profile, DateTimeOffset CheckedAt);

    private sealed record RegistryCard(Guid CardId, string CardType, string State, DateTime ValidUntil, string? Profession, Guid PersonId, string IdNat, string Nom, string Prenom);

    private CertificateRefusal _refusal = CertificateRefusal.Missing;
    private string? _detail;
    private CertificateProfile? _profile;
    private string? _thumbprint;

    /// <summary>
    /// The certificate read from the handshake, its chain validated (once per connection), its card
    /// identity read, the card checked in the registry, then the principal built from the registry's card.
    /// </summary>
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (NeedsNoCard())
        {
            return AuthenticateResult.NoResult();
        }

        var certificate = await Context.Connection.GetClientCertificateAsync(Context.RequestAborted);
        if (certificate is null)
        {
            return Refuse(CertificateRefusal.Missing, "No client certificate was presented in the TLS handshake.");
        }

        var now = time.GetUtcNow();
        _thumbprint = certificate.Thumbprint;
        var (check, profile) = CheckCertificate(certificate, now);
        _profile = profile;
        if (!check.Passed)
        {
            return Refuse(check.Refusal, check.Detail);
        }

        if (profile.IdNat is not { Length: > 0 } idNat || profile.CardSerial is not { } serial || profile.CardTypeFromCertificate is not { } certificateType)
        {
            return Refuse(CertificateRefusal.NotACard, "The certificate lacks the CN, the card type (1.2.250.1.71.1.2.2) or the token id (1.2.250.1.71.1.2.3) of a CPx card.");
        }

        // A pool of its own: exports and intake cannot take the connections authentication needs.
        await using var connection = await authenticationDatabase.DataSource.OpenConnectionAsync(Context.RequestAborted);
        var (card, readAhead) = await FindCardAsync(connection, serial, PlanReadAhead(idNat));
        var isOperator = settings.IsOperator(idNat, serial);
        if (card is null)
        {
            // Operators' cards are the only ones a fresh system may not know yet (contract.md, Decisions: Bootstrap).
            return isOperator
                ? Success(new Caller(idNat, certificateType, serial, profile.Profession?.ToString(), profile.Surname, profile.GivenName, null, null, IsOperator: true), readAhead)
                : Refuse(CertificateRefusal.UnknownCard, $"No card with serial {serial} is in the registry.");
        }

        var registryType = Enum.Parse<CardType>(card.CardType);
        if (RefuseRegistryCard(card, registryType, profile, now) is { } refused)
        {
            return refused;
        }

        await RecordCertificateAsync(connection, certificate, card.CardId);
        // An operator's card once registered is checked like any other: its opposition stops it at once.
        return Success(new Caller(idNat, registryType, serial, card.Profession ?? profile.Profession?.ToString(), card.Nom, card.Prenom, card.PersonId, card.CardId, isOperator), readAhead);
    }

    /// <summary>
    /// Endpoints that need no card (health probes, the OpenAPI document, gRPC routes, which authenticate
    /// organisation certificates themselves) cost no chain check and no registry query.
    /// </summary>
    private bool NeedsNoCard()
    {
        var endpoint = Context.GetEndpoint();
        return endpoint is not null && (endpoint.Metadata.GetMetadata<IAuthorizeData>() is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null);
    }

    /// <summary>
    /// The registry's card of this serial, with its holder (null when the registry has none), and the endpoint's
    /// read ahead, if any, in the same round trip: PostgreSQL runs both; the read is kept only if the card authenticates.
    /// </summary>
    private async Task<(RegistryCard? Card, ReadAheadResult? ReadAhead)> FindCardAsync(NpgsqlConnection connection, string serial, ReadAhead? readAhead)
    {
        if (readAhead is null)
        {
            return (await connection.QuerySingleOrDefaultAsync<RegistryCard>(new CommandDefinition(RegistryRead, new { serial }, cancellationToken: Context.RequestAborted)), null);
        }

        var parameters = new DynamicParameters(readAhead.Parameters);
        parameters.Add("serial", serial);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            RegistryRead + ";\n" + readAhead.Sql, parameters, cancellationToken: Context.RequestAborted));
        var card = await results.ReadSingleOrDefaultAsync<RegistryCard>();
        return (card, new ReadAheadResult(readAhead.Key, await readAhead.ReadAsync(results)));
    }

    /// <summary>The registry read of a card by its serial (bench/registry.sql is the same statement, for pgbench).</summary>
    private const string RegistryRead =
        """
        SELECT c.id AS CardId, c.card_type AS CardType, c.state AS State, c.valid_until AS ValidUntil, c.profession AS Profession,
               p.id AS PersonId, p.id_nat AS IdNat, p.nom AS Nom, p.prenom AS Prenom
        FROM cards c JOIN persons p ON p.id = c.holder_id
        WHERE c.serial = @serial
        """;

    /// <summary>
    /// The endpoint's first read, when it lets authentication make it (<see cref="AuthenticationReadAhead"/>), for a card
    /// that has already authenticated on this connection and may still make a request now. A card refused (in
    /// opposition, expired, unknown) or new on the connection reads nothing ahead: whatever it sends costs the registry
    /// read alone; a card over its rate is refused before the endpoint, and its read would be wasted.
    /// </summary>
    private ReadAhead? PlanReadAhead(string idNat) =>
        Context.GetEndpoint()?.Metadata.GetMetadata<AuthenticationReadAhead>() is { } endpoint
        && ConnectionItems.Get(Context, AuthenticatedKey) is string authenticated && authenticated == _thumbprint && rates.MayProceed(idNat)
            ? endpoint.Plan(Context, idNat)
            : null;

    /// <summary>The registry's word on the card: it matches the certificate (holder and card family), is not in opposition, has not expired.</summary>
    private AuthenticateResult? RefuseRegistryCard(RegistryCard card, CardType registryType, CertificateProfile profile, DateTimeOffset now)
    {
        var serial = profile.CardSerial;
        if (card.IdNat != profile.IdNat || FamilyCode(registryType) != profile.CardTypeCode)
        {
            return Refuse(CertificateRefusal.UnknownCard, $"The certificate does not match the registry's card {serial}.");
        }

        if (card.State == "opposition")
        {
            return Refuse(CertificateRefusal.CardInOpposition, $"Card {serial} is in opposition.");
        }

        if (card.ValidUntil <= now.UtcDateTime)
        {
            return Refuse(CertificateRefusal.CardExpired, $"Card {serial} expired on {card.ValidUntil:yyyy-MM-dd}.");
        }

        return null;
    }

    /// <summary>
    /// The registry learns a card's authentication certificates as they are used, so that the parc shows
    /// them (and an opposition marks them revoked): one insert per TLS connection at most.
    /// </summary>
    private async Task RecordCertificateAsync(NpgsqlConnection connection, X509Certificate2 certificate, Guid cardId)
    {
        if (ConnectionItems.Get(Context, RecordedCertificateKey) as string == certificate.Thumbprint)
        {
            return;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO card_certificates (id, card_id, usage, issuer, serial_number, subject, thumbprint_sha256, not_before, not_after)
            VALUES (@id, @cardId, 'authentication', @issuer, @serialNumber, @subject, @thumbprint, @notBefore, @notAfter)
            ON CONFLICT DO NOTHING
            """,
            new
            {
                id = Guid.CreateVersion7(), cardId, issuer = certificate.Issuer, serialNumber = certificate.SerialNumber, subject = certificate.Subject,
                thumbprint = CertificateProfile.Thumbprint(certificate), notBefore = certificate.NotBefore.ToUniversalTime(), notAfter = certificate.NotAfter.ToUniversalTime(),
            }, cancellationToken: Context.RequestAborted));
        ConnectionItems.Set(Context, RecordedCertificateKey, certificate.Thumbprint);
    }

    /// <summary>TRE_G02, the card type code of the certificates: CPE and CDE share 2.</summary>
    public static int FamilyCode(CardType type) => type switch
    {
        CardType.CPS => 0,
        CardType.CPF => 1,
        CardType.CPE or CardType.CDE => 2,
        CardType.CPA => 3,
        _ => -1,
    };

    /// <summary>The chain check and the card identity read from the certificate, both cached per connection.</summary>
    private (CertificateCheck Check, CertificateProfile Profile) CheckCertificate(X509Certificate2 certificate, DateTimeOffset now)
    {
        var thumbprint = certificate.Thumbprint;
        if (ConnectionItems.Get(Context, ConnectionCacheKey) is CachedCheck hit
            && hit.Thumbprint == thumbprint && now - hit.CheckedAt < ConnectionCacheLifetime
            && now <= certificate.NotAfter.ToUniversalTime())
        {
            return (hit.Check, hit.Profile);
        }

        var check = CertificateValidator.Validate(certificate, settings.CardAnchors, now);
        var profile = CertificateProfile.Read(certificate);
        ConnectionItems.Set(Context, ConnectionCacheKey, new CachedCheck(thumbprint, check, profile, now));
        return (check, profile);
    }

    private AuthenticateResult Success(Caller caller, ReadAheadResult? readAhead)
    {
        Context.Features.Set(caller);
        Context.Features.Set(readAhead);
        ConnectionItems.Set(Context, AuthenticatedKey, _thumbprint);

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, caller.IdNat),
            new("cpx:card-serial", caller.CardSerial),
            new("cpx:card-type", caller.CardType.ToString()),
        };
        if (caller.IsOperator)
        {
            claims.Add(new Claim(CardAuthenticationDefaults.OperatorClaim, "true"));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, CardAuthenticationDefaults.Scheme));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, CardAuthenticationDefaults.Scheme));
    }

    private AuthenticateResult Refuse(CertificateRefusal refusal, string? detail)
    {
        _refusal = refusal;
        _detail = detail;
        ConnectionItems.Set(Context, AuthenticatedKey, null);
        return AuthenticateResult.Fail(detail ?? refusal.ToString());
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // The authentication result is computed once per request; the challenge reads what it found.
        await HandleAuthenticateOnceSafeAsync();
        var (type, title) = RefusalProblems.For(_refusal);
        // Who a certificate names is only believed once its chain is trusted; before that it is a claim.
        var trusted = _refusal is not (CertificateRefusal.Missing or CertificateRefusal.Untrusted);
        var detail = trusted || _profile?.IdNat is null ? _detail : $"{_detail} Claimed: {_profile.IdNat}, card {_profile.CardSerial}.";
        // Counted per source and reason, a bounded number of rows per window (RefusalAudit); logged likewise.
        await refusals.RecordAsync(Context.Connection.RemoteIpAddress, new AuditEntry(
            trusted ? _profile?.IdNat : null, trusted ? _profile?.CardSerial : null, null, "authenticate", $"{Request.Method} {Request.Path}",
            "refused:" + type[ProblemTypes.Prefix.Length..], detail, Context.TraceIdentifier));
        Telemetry.CpxMetrics.AuthenticationRefused("rest", type[ProblemTypes.Prefix.Length..]);
        await ProblemWriter.WriteAsync(Context, StatusCodes.Status401Unauthorized, type, title, _detail);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var caller = Context.Features.Get<Caller>();
        await audit.RecordAsync(new AuditEntry(
            caller?.IdNat, caller?.CardSerial, null, "authorize", $"{Request.Method} {Request.Path}", "refused:forbidden", "operator right required", Context.TraceIdentifier));
        await ProblemWriter.WriteAsync(Context, StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Forbidden", "Your card does not give you this right.");
    }
}
