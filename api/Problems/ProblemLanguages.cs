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

    /// <summary>Replaces the title and detail of a problem of ours with its text in the request's language.</summary>
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
            problem.Detail = text.Detail;
            context.HttpContext.Response.Headers.ContentLanguage = language;
        }
    }
}
