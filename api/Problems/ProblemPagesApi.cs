using System.Net;
using System.Text;
using CpxTeleservice.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Localization;

namespace CpxTeleservice.Problems;

/// <summary>
/// <c>GET /problems/{slug}</c>: the page a problem's <c>type</c> leads to (RFC 9457 §3.1.1), in French
/// and English (the request's language first), made from the same tables as the problems themselves.
/// It needs no certificate.
/// </summary>
internal static class ProblemPagesApi
{
    public static IEndpointRouteBuilder MapProblemPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/problems/{slug}", Page).WithName("ProblemType").WithTags("Problems").AllowAnonymous();
        return app;
    }

    private static Results<ContentHttpResult, ProblemHttpResult> Page(string slug, HttpContext context)
    {
        var catalog = ProblemCatalog.Instance;
        if (catalog.Find(slug, ProblemCatalog.French) is null)
        {
            return Problem.NotFound("problem type");
        }

        var first = ProblemCatalog.Language(context.Features.Get<IRequestCultureFeature>()?.RequestCulture.UICulture.Name);
        var html = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"").Append(first).Append("\">\n<head><meta charset=\"utf-8\"><title>")
            .Append(ProblemTypes.Prefix).Append(WebUtility.HtmlEncode(slug)).Append("</title></head>\n<body>\n");
        foreach (var language in ProblemCatalog.Languages.OrderBy(l => l == first ? 0 : 1))
        {
            var text = catalog.Find(slug, language)!;
            var (happened, todo) = language == ProblemCatalog.French ? ("Ce qui s'est passé", "Que faire") : ("What happened", "What to do");
            html.Append("<section lang=\"").Append(language).Append("\">\n<h1>").Append(WebUtility.HtmlEncode(text.Title)).Append("</h1>\n")
                .Append("<h2>").Append(happened).Append("</h2>\n<p>").Append(WebUtility.HtmlEncode(text.Detail)).Append("</p>\n")
                .Append("<h2>").Append(todo).Append("</h2>\n<p>").Append(WebUtility.HtmlEncode(text.Action)).Append("</p>\n</section>\n");
        }

        html.Append("<p><code>type: ").Append(ProblemTypes.Prefix).Append(WebUtility.HtmlEncode(slug)).Append("</code></p>\n</body>\n</html>\n");
        context.Response.Headers.ContentLanguage = first;
        return TypedResults.Content(html.ToString(), "text/html; charset=utf-8");
    }
}
