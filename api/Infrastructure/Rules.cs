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

/// <summary>Collects field errors; empty means valid.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public FieldErrors Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
        return this;
    }

    public FieldErrors Check(string field, Domain.IdentifierCheck check)
    {
        if (!check.IsValid)
        {
            Add(field, check.Error ?? "invalid");
        }

        return this;
    }

    public FieldErrors Required(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, "is required.");
        }

        return this;
    }

    /// <summary>A query filter, when given, must be one of the values the field takes.</summary>
    public FieldErrors OneOf(string field, string? value, IReadOnlyCollection<string> allowed)
    {
        if (value is not null && !allowed.Contains(value))
        {
            Add(field, $"must be one of {string.Join(", ", allowed)}.");
        }

        return this;
    }

    /// <summary>A query filter and its cursor, checked together: the first problem found, or null.</summary>
    public static ProblemHttpResult? Filters(PageRequest page, out Guid? after, params (string Field, string? Value, IReadOnlyCollection<string> Allowed)[] filters)
    {
        var errors = new FieldErrors();
        if (!page.TryAfter(out after))
        {
            errors.Add("cursor", "is not a cursor this service issued.");
        }

        foreach (var (field, value, allowed) in filters)
        {
            errors.OneOf(field, value, allowed);
        }

        return errors.Any ? errors.ToProblem() : null;
    }

    public ProblemHttpResult ToProblem() => Problem.Validation(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
}
