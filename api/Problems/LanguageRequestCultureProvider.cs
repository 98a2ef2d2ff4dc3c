using Microsoft.AspNetCore.Localization;
using Microsoft.Net.Http.Headers;

namespace CpxTeleservice.Problems;

/// <summary>
/// Reads <c>Accept-Language</c> by quality and answers the first language the service speaks, by its
/// two-letter prefix (<c>en-GB</c> is English): the invariant globalisation mode knows no regional
/// parent cultures to fall back to. At most a few values are looked at, whatever the header holds.
/// </summary>
internal sealed class LanguageRequestCultureProvider : RequestCultureProvider
{
    private const int MaximumValues = 8;

    public override Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
    {
        var header = httpContext.Request.GetTypedHeaders().AcceptLanguage;
        var language = header
            .Take(MaximumValues)
            .Where(v => (v.Quality ?? 1) > 0)
            .OrderByDescending(v => v.Quality ?? 1)
            .Select(v => v.Value.Value is { Length: >= 2 } name ? name[..2].ToLowerInvariant() : "")
            .FirstOrDefault(ProblemCatalog.Languages.Contains);
        return Task.FromResult(language is null ? null : new ProviderCultureResult(language));
    }
}
