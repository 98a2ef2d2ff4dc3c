using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Problems;
using CpxTeleservice.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.Problems;

/// <summary>
/// French first: problems speak French by default and English when Accept-Language prefers it, from
/// one table per language that is also openapi.yaml's list; their type never changes, and it resolves.
/// </summary>
public partial class ProblemLanguageTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    public static TheoryData<string> Slugs => [.. ProblemCatalog.Instance.Slugs];

    [Fact]
    public void The_English_table_is_openapi_yamls_list_of_problem_types_in_its_order()
    {
        var documented = ProblemRow().Matches(File.ReadAllText(Repository.File("openapi.yaml")))
            .Select(m => (m.Groups["slug"].Value, m.Groups["meaning"].Value.Trim()))
            .ToList();
        var english = ProblemCatalog.ReadTable(ProblemCatalog.English).Select(e => (e.Key, e.Value.Meaning)).ToList();
        Assert.NotEmpty(documented);
        Assert.Equal(documented, english);
    }

    [Fact]
    public void Every_problem_type_has_a_French_and_an_English_text_and_every_text_is_a_problem_type()
    {
        var declared = typeof(ProblemTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name != nameof(ProblemTypes.Prefix))
            .Select(f => ((string)f.GetRawConstantValue()!)[ProblemTypes.Prefix.Length..])
            .Order();
        foreach (var language in ProblemCatalog.Languages)
        {
            var table = ProblemCatalog.ReadTable(language);
            Assert.Equal(declared, table.Select(e => e.Key).Order());
            Assert.All(table, e => Assert.False(
                string.IsNullOrWhiteSpace(e.Value.Title) || string.IsNullOrWhiteSpace(e.Value.Meaning) || string.IsNullOrWhiteSpace(e.Value.Action), e.Key));
        }

        var french = ProblemCatalog.ReadTable(ProblemCatalog.French).ToDictionary();
        Assert.All(ProblemCatalog.ReadTable(ProblemCatalog.English), e => Assert.NotEqual(e.Value.Title, french[e.Key].Title));
    }

    [Theory]
    [MemberData(nameof(Slugs))]
    public async Task Every_problem_type_is_written_in_French_by_default_and_in_English_when_asked(string slug)
    {
        var french = await WriteAsync(slug, uiCulture: null);
        var english = await WriteAsync(slug, uiCulture: "en");
        var frenchText = ProblemCatalog.Instance.Find(slug, ProblemCatalog.French)!;
        var englishText = ProblemCatalog.Instance.Find(slug, ProblemCatalog.English)!;

        Assert.Equal(ProblemTypes.Prefix + slug, french.GetProperty("type").GetString());
        Assert.Equal(ProblemTypes.Prefix + slug, english.GetProperty("type").GetString());
        Assert.Equal((frenchText.Title, frenchText.Detail), (french.GetProperty("title").GetString(), french.GetProperty("detail").GetString()));
        Assert.Equal((englishText.Title, englishText.Detail), (english.GetProperty("title").GetString(), english.GetProperty("detail").GetString()));
        Assert.DoesNotContain("`", french.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_detail_about_the_request_follows_the_types_sentence_in_either_language()
    {
        const string said = "Card 0192 is active: renew it (POST /api/v1/cards/0192/renewal).";
        var french = await WriteAsync("card-already-held", uiCulture: null, detail: said);
        var english = await WriteAsync("card-already-held", uiCulture: "en", detail: said);

        Assert.Equal(ProblemCatalog.Instance.Find("card-already-held", ProblemCatalog.French)!.Detail + " " + said, french.GetProperty("detail").GetString());
        Assert.Equal(ProblemCatalog.Instance.Find("card-already-held", ProblemCatalog.English)!.Detail + " " + said, english.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData(null, "fr")]
    [InlineData("fr-FR", "fr")]
    [InlineData("en", "en")]
    [InlineData("en-GB", "en")]
    [InlineData("de-DE, en;q=0.8, fr;q=0.5", "en")]
    [InlineData("en;q=0.4, fr-CA;q=0.9", "fr")]
    [InlineData("de, it", "fr")]
    [InlineData("en;q=0", "fr")]
    public async Task A_refused_request_is_answered_in_the_language_Accept_Language_prefers_French_by_default(string? acceptLanguage, string expected)
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
        if (acceptLanguage is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);
        }

        using var response = await client.SendAsync(request);
        var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.Unauthorized, ProblemTypes.CertificateRequired);
        var text = ProblemCatalog.Instance.Find("certificate-required", expected)!;
        Assert.Equal(text.Title, problem.GetProperty("title").GetString());
        Assert.Equal(text.Detail, problem.GetProperty("detail").GetString());
        Assert.Equal([expected], response.Content.Headers.ContentLanguage);
    }

    [Fact]
    public async Task A_rule_refused_after_authentication_is_in_French_and_its_type_is_the_same_in_English()
    {
        using var client = host.CreateClient(ServiceHost.Operator);
        using var french = await client.GetAsync("/api/v1/nothing-here");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/nothing-here");
        request.Headers.AcceptLanguage.Add(new StringWithQualityHeaderValue("en"));
        using var english = await client.SendAsync(request);

        Assert.Equal("Introuvable", (await HttpAssert.ProblemAsync(french, HttpStatusCode.NotFound, ProblemTypes.NotFound)).GetProperty("title").GetString());
        Assert.Equal("Not found", (await HttpAssert.ProblemAsync(english, HttpStatusCode.NotFound, ProblemTypes.NotFound)).GetProperty("title").GetString());
    }

    [Theory]
    [MemberData(nameof(Slugs))]
    public async Task Every_problem_type_resolves_to_a_page_in_French_and_English_without_a_certificate(string slug)
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        using var response = await client.GetAsync(ProblemTypes.Prefix + slug);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var page = await response.Content.ReadAsStringAsync();
        foreach (var language in ProblemCatalog.Languages)
        {
            var text = ProblemCatalog.Instance.Find(slug, language)!;
            Assert.Contains(WebUtility.HtmlEncode(text.Title), page);
            Assert.Contains(WebUtility.HtmlEncode(text.Detail), page);
            Assert.Contains(WebUtility.HtmlEncode(text.Action), page);
        }

        Assert.True(page.IndexOf("lang=\"fr\"", StringComparison.Ordinal) < page.IndexOf("lang=\"en\"", StringComparison.Ordinal), "French comes first by default");
    }

    [Fact]
    public async Task A_problem_page_shows_English_first_when_Accept_Language_prefers_it()
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        using var request = new HttpRequestMessage(HttpMethod.Get, ProblemTypes.CardInOpposition);
        request.Headers.AcceptLanguage.Add(new StringWithQualityHeaderValue("en-US"));
        using var response = await client.SendAsync(request);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["en"], response.Content.Headers.ContentLanguage);
        Assert.True(page.IndexOf("<section lang=\"en\"", StringComparison.Ordinal) < page.IndexOf("<section lang=\"fr\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("no-such-type")]
    [InlineData("%3Cscript%3E")]
    public async Task An_unknown_problem_slug_is_a_404_problem(string slug)
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        await HttpAssert.ProblemAsync(await client.GetAsync(ProblemTypes.Prefix + slug), HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    /// <summary>A problem of that type through the service's own problem writer, in a request whose UI language is <paramref name="uiCulture"/>.</summary>
    private async Task<JsonElement> WriteAsync(string slug, string? uiCulture, string? detail = null)
    {
        using var scope = host.Services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Response.Body = new MemoryStream();
        context.Request.Headers.Accept = "application/problem+json";
        if (uiCulture is not null)
        {
            var culture = System.Globalization.CultureInfo.GetCultureInfo(uiCulture);
            context.Features.Set<IRequestCultureFeature>(new RequestCultureFeature(new RequestCulture(System.Globalization.CultureInfo.InvariantCulture, culture), null));
        }

        var service = scope.ServiceProvider.GetRequiredService<IProblemDetailsService>();
        await service.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = 400, Type = ProblemTypes.Prefix + slug, Title = "placeholder", Detail = detail },
        });
        context.Response.Body.Position = 0;
        return (await JsonDocument.ParseAsync(context.Response.Body)).RootElement.Clone();
    }

    [GeneratedRegex(@"^    \| `/problems/(?<slug>[a-z0-9-]+)` \| \d{3} \| (?<meaning>.+) \|\s*$", RegexOptions.Multiline)]
    private static partial Regex ProblemRow();
}
