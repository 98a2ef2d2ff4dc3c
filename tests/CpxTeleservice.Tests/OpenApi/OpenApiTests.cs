using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.OpenApi;

/// <summary>openapi.yaml at the repository's root is the served document, and it describes exactly what is mapped.</summary>
public partial class OpenApiTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private static string Document => File.ReadAllText(Repository.File("openapi.yaml"));

    [Fact]
    public async Task Served_document_is_the_repositorys_openapi_yaml()
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        using var response = await client.GetAsync("/openapi.yaml");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Document, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Swagger_UI_is_served()
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        using var response = await client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("swagger-ui", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void Every_mapped_endpoint_is_documented_and_every_documented_operation_is_mapped()
    {
        var mapped = host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m.ToLowerInvariant()} {Normalise(e.RoutePattern.RawText!)}"))
            .ToHashSet();
        var documented = DocumentedOperations(Document);
        Assert.Equal(documented.Order(), mapped.Order());
    }

    [Fact]
    public void The_benchmark_bare_endpoint_is_not_mapped_unless_configured()
    {
        // bench/run sets Bench__BareEndpoint=true; a service configured as usual has no such route.
        var routes = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText ?? "");
        Assert.DoesNotContain(routes, r => r.Contains("bench", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Every_problem_type_is_listed_in_the_document()
    {
        var types = typeof(ProblemTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name != nameof(ProblemTypes.Prefix))
            .Select(f => (string)f.GetRawConstantValue()!);
        var document = Document;
        Assert.All(types, type => Assert.Contains(type, document));
    }

    [Fact]
    public void Document_describes_mutual_TLS_as_its_security_scheme()
    {
        Assert.Matches(@"type:\s*mutualTLS", Document);
        Assert.Matches(@"openapi:\s*3\.1", Document);
    }

    private static string Normalise(string pattern) => RouteConstraint().Replace("/" + pattern.Trim('/'), "}");

    /// <summary>"method /path" for every operation under <c>paths:</c> (two-space paths, four-space methods).</summary>
    internal static HashSet<string> DocumentedOperations(string yaml)
    {
        var result = new HashSet<string>();
        string? path = null;
        var inPaths = false;
        foreach (var line in yaml.Split('\n'))
        {
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]))
            {
                inPaths = line.TrimEnd() == "paths:";
                continue;
            }

            if (!inPaths)
            {
                continue;
            }

            var pathMatch = PathLine().Match(line);
            if (pathMatch.Success)
            {
                path = pathMatch.Groups[1].Value;
                continue;
            }

            var methodMatch = MethodLine().Match(line);
            if (methodMatch.Success && path is not null)
            {
                result.Add($"{methodMatch.Groups[1].Value} {path}");
            }
        }

        return result;
    }

    [GeneratedRegex(@":[^}]+}")]
    private static partial Regex RouteConstraint();

    [GeneratedRegex(@"^  (/[^:\s]*):\s*$")]
    private static partial Regex PathLine();

    [GeneratedRegex(@"^    (get|put|post|delete|patch|head|options):\s*$")]
    private static partial Regex MethodLine();
}
