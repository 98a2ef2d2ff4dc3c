namespace CpxTeleservice.OpenApi;

/// <summary>
/// Serves openapi.yaml, the hand-written description of the API, as it stands at the repository's
/// root, and Swagger UI over it. A test keeps the document and the mapped endpoints in step.
/// </summary>
public static class OpenApiDocument
{
    public const string Path = "/openapi.yaml";

    public static WebApplication MapOpenApiDocument(this WebApplication app)
    {
        var file = System.IO.Path.Combine(AppContext.BaseDirectory, "openapi.yaml");
        app.MapGet(Path, () => Results.File(file, "application/yaml; charset=utf-8"))
            .AllowAnonymous()
            .ExcludeFromDescription();
        app.UseSwaggerUI(options =>
        {
            options.RoutePrefix = "swagger";
            options.SwaggerEndpoint(Path, "CpxTeleservice v1");
            options.DocumentTitle = "CpxTeleservice API";
        });
        return app;
    }
}
