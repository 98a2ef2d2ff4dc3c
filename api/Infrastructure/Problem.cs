using Microsoft.AspNetCore.Http.HttpResults;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// The problems the REST surface answers with. A business rule refused is a 422 whose <c>type</c>
/// names the rule; field errors carry <c>errors</c> (field → messages); state conflicts are 409.
/// </summary>
public static class Problem
{
    public static readonly string[] OrderStates =
        ["awaiting-visa", "submitted", "in-production", "card-shipped", "card-received", "codes-shipped", "completed", "rejected", "cancelled"];

    public static readonly string[] CardTypes = ["CPS", "CPF", "CPE", "CDE", "CPA"];

    public static readonly string[] CardStates = ["active", "opposition", "expired"];

    public static ProblemHttpResult Rule(string type, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, type: type, title: title, detail: detail, extensions: extensions);

    /// <summary>A 422 naming the fields that are wrong, each with its reasons.</summary>
    public static ProblemHttpResult Validation(IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status422UnprocessableEntity,
            type: ProblemTypes.Validation,
            title: "The request has invalid fields",
            detail: string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")),
            extensions: new Dictionary<string, object?> { ["errors"] = errors });

    public static ProblemHttpResult Conflict(string type, string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: type, title: title, detail: detail);

    public static ProblemHttpResult Forbidden(string detail, string type = ProblemTypes.Forbidden) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: type, title: "Forbidden", detail: detail);

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, type: ProblemTypes.NotFound, title: "Not found", detail: $"No {what} here.");

    public static ProblemHttpResult Status(int status, string type, string title, string detail) =>
        TypedResults.Problem(statusCode: status, type: type, title: title, detail: detail);
}
