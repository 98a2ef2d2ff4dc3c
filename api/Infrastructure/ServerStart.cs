namespace CpxTeleservice.Infrastructure;

/// <summary>
/// How the host is built: the content root is the binary's folder (so <c>appsettings.json</c> beside it
/// applies wherever the server is started from), unless <c>--contentRoot</c> or
/// <c>ASPNETCORE_CONTENTROOT</c>/<c>DOTNET_CONTENTROOT</c> set it; and configuration files are not
/// watched, since a watcher over the content root would cover every data folder under it.
/// </summary>
public static class ServerStart
{
    public static WebApplicationOptions Options(string[] args)
    {
        var rootGiven = args.Any(a => a.Contains("contentRoot", StringComparison.OrdinalIgnoreCase))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT"));
        return new WebApplicationOptions
        {
            // First, so that an explicit argument can still turn reloading on.
            Args = ["--hostBuilder:reloadConfigOnChange=false", .. args],
            ContentRootPath = rootGiven ? null : AppContext.BaseDirectory,
        };
    }
}
