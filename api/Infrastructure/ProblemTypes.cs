using Microsoft.AspNetCore.Mvc;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// The problem types (RFC 9457) the service returns. Each <c>type</c> is a relative URI under
/// <c>/problems/</c>; openapi.yaml lists every one with its meaning.
/// </summary>
public static class ProblemTypes
{
    public const string Prefix = "/problems/";

    public const string CertificateRequired = Prefix + "certificate-required";
    public const string CertificateUntrusted = Prefix + "certificate-untrusted";
    public const string CertificateExpired = Prefix + "certificate-expired";
    public const string CertificateNotYetValid = Prefix + "certificate-not-yet-valid";
    public const string CertificateNotForAuthentication = Prefix + "certificate-not-for-authentication";
    public const string CertificateNotACard = Prefix + "certificate-not-a-card";
    public const string CardUnknown = Prefix + "card-unknown";
    public const string CardInOpposition = Prefix + "card-in-opposition";
    public const string CardExpired = Prefix + "card-expired";
    public const string Forbidden = Prefix + "forbidden";
    public const string NotFound = Prefix + "not-found";
    public const string MethodNotAllowed = Prefix + "method-not-allowed";
    public const string Internal = Prefix + "internal";
    public const string BadRequest = Prefix + "bad-request";
    public const string Validation = Prefix + "validation";
    public const string NotReady = Prefix + "not-ready";
    public const string DatabaseUnavailable = Prefix + "database-unavailable";

    // Limits on hostile callers (README, "Limits")
    public const string RateLimited = Prefix + "rate-limited";
    public const string PayloadTooLarge = Prefix + "payload-too-large";
    public const string UnsupportedMediaType = Prefix + "unsupported-media-type";
    public const string ContractDocumentsLimit = Prefix + "contract-documents-limit";

    // Structures and contracts (seed 004 §2)
    public const string StructureAlreadyRegistered = Prefix + "structure-already-registered";
    public const string ContractNotActive = Prefix + "contract-not-active";
    public const string ContractDocumentsMissing = Prefix + "contract-documents-missing";
    public const string ContractAlreadyActive = Prefix + "contract-already-active";
    public const string ContractDocumentsChanged = Prefix + "contract-documents-changed";
    public const string DocumentTypeNotAllowed = Prefix + "document-type-not-allowed";
    public const string DocumentTooLarge = Prefix + "document-too-large";

    // Who may act (seed 004 §3, §4)
    public const string CallerCardNotAllowed = Prefix + "caller-card-not-allowed";
    public const string LegalRepresentativeOnly = Prefix + "legal-representative-only";
    public const string MandataireCardRequired = Prefix + "mandataire-card-required";
    public const string MandataireAlreadyDesignated = Prefix + "mandataire-already-designated";
    public const string LegalRepresentativeCardReserved = Prefix + "legal-representative-card-reserved";

    // Orders (seed 004 §4, docs/domain.md "Rules a structure's order must pass")
    public const string CpsRppsThroughOrdre = Prefix + "cps-rpps-through-ordre";
    public const string CpfThroughOrdre = Prefix + "cpf-through-ordre";
    public const string ProfessionUnknown = Prefix + "profession-unknown";
    public const string ProfessionNotIssued = Prefix + "profession-not-issued";
    public const string ProfessionSalariedOnly = Prefix + "profession-salaried-only";
    public const string CpeHolderHealthProfessional = Prefix + "cpe-holder-health-professional";
    public const string CdeHolderNotLegalRepresentative = Prefix + "cde-holder-not-legal-representative";
    public const string CdeHolderHealthProfessional = Prefix + "cde-holder-health-professional";
    public const string CardTypeNotOrderable = Prefix + "card-type-not-orderable";
    public const string OrderStateConflict = Prefix + "order-state-conflict";
    public const string HolderRadiated = Prefix + "holder-radiated";
    public const string EventTimeInFuture = Prefix + "event-time-in-future";
    public const string EventTimeBeforePrevious = Prefix + "event-time-before-previous";
    public const string ProfessionChangeExists = Prefix + "profession-change-exists";
    public const string NoFormForOrder = Prefix + "no-form-for-order";

    // Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header)
    public const string IdempotencyKeyMissing = Prefix + "idempotency-key-missing";
    public const string IdempotencyKeyInUse = Prefix + "idempotency-key-in-use";
    public const string IdempotencyKeyReused = Prefix + "idempotency-key-reused";

    // The parc
    public const string CardSerialTaken = Prefix + "card-serial-taken";
    public const string CardStateConflict = Prefix + "card-state-conflict";
    public const string ReplacementNotForHolderLeft = Prefix + "replacement-not-for-holder-left";
    public const string RenewalAlreadyOrdered = Prefix + "renewal-already-ordered";
    public const string CardAlreadyHeld = Prefix + "card-already-held";

    // Events and departures
    public const string WebhookLimitReached = Prefix + "webhook-limit-reached";
    public const string HolderNotInStructure = Prefix + "holder-not-in-structure";
    public const string RelyingPartyUnknown = Prefix + "relying-party-unknown";
    public const string PreconditionRequired = Prefix + "precondition-required";
    public const string PreconditionFailed = Prefix + "precondition-failed";

    /// <summary>The slug of each status code the framework produces without a body of ours.</summary>
    public static string? ForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => BadRequest,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status429TooManyRequests => RateLimited,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status500InternalServerError => Internal,
        _ => null,
    };
}
