using System.Globalization;
using CpxTeleservice.Infrastructure;
using Microsoft.AspNetCore.Localization;

namespace CpxTeleservice.Problems;

/// <summary>
/// French first: ASP.NET Core's request localisation picks the language of problems from
/// <c>Accept-Language</c> (French by default, English when preferred), and every problem under
/// <c>/problems/</c> gets its <c>title</c> and <c>detail</c> from that language's table.
/// Only the UI culture changes: formatting (numbers, dates, CSV) stays culture-invariant.
/// </summary>
internal static class ProblemLanguages
{
    public static IServiceCollection AddCpxProblemLanguages(this IServiceCollection services) =>
        services.Configure<RequestLocalizationOptions>(options =>
        {
            var languages = ProblemCatalog.Languages.Select(CultureInfo.GetCultureInfo).ToList();
            options.DefaultRequestCulture = new RequestCulture(CultureInfo.InvariantCulture, languages[0]);
            options.SupportedCultures = [CultureInfo.InvariantCulture];
            options.SupportedUICultures = languages;
            options.RequestCultureProviders = [new LanguageRequestCultureProvider()];
        });

    /// <summary>
    /// Gives a problem of ours its title and detail in the request's language; a detail the service wrote
    /// for this request follows the type's sentence.
    /// </summary>
    public static void Localise(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Type is not { } type || !type.StartsWith(ProblemTypes.Prefix, StringComparison.Ordinal))
        {
            return;
        }

        var language = ProblemCatalog.Language(context.HttpContext.Features.Get<IRequestCultureFeature>()?.RequestCulture.UICulture.Name);
        if (ProblemCatalog.Instance.Find(type[ProblemTypes.Prefix.Length..], language) is { } text)
        {
            problem.Title = text.Title;
            // What the service said of this request (the card to renew, the documents now attached, the
            // Ordre to turn to) is kept after the type's sentence: it is written once, in English.
            var specific = problem.Detail is { Length: > 0 } said
                && ProblemCatalog.Instance.Find(type[ProblemTypes.Prefix.Length..], ProblemCatalog.English) is { } english
                && said != english.Detail ? said : null;
            problem.Detail = specific is null ? text.Detail : $"{text.Detail} {specific}";
            context.HttpContext.Response.Headers.ContentLanguage = language;
        }
    }
}
