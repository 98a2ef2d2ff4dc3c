using Microsoft.AspNetCore.Http.HttpResults;

namespace CpxTeleservice.Infrastructure;

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
