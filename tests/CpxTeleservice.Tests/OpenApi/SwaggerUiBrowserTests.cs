using System.Diagnostics;
using System.Text.RegularExpressions;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.OpenApi;

/// <summary>
/// Swagger UI, as a developer opens it: the served page loaded by a real browser (Debian's chromium,
/// headless) over the real HTTPS port, with no client certificate. The rendered page must list every
/// operation of openapi.yaml; a screenshot is kept in the test results folder.
/// </summary>
public sealed partial class SwaggerUiBrowserTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    [Fact]
    public async Task Swagger_UI_in_headless_Chromium_lists_every_operation_of_openapi_yaml()
    {
        var url = new Uri(host.BaseAddress, "/swagger/index.html").ToString();
        var dom = await RunChromiumAsync("--dump-dom", url);
        var listed = new HashSet<string>();
        foreach (Match match in OperationBlock().Matches(dom))
        {
            listed.Add($"{match.Groups[1].Value} {match.Groups[2].Value}");
        }

        var documented = OpenApiTests.DocumentedOperations(File.ReadAllText(Repository.File("openapi.yaml")));
        Assert.NotEmpty(documented);
        Assert.Empty(documented.Except(listed).Order());
        Assert.Empty(listed.Except(documented).Order());

        var screenshot = Path.Combine(ResultsFolder(), "swagger-ui.png");
        File.Delete(screenshot);
        await RunChromiumAsync($"--screenshot={screenshot}", url);
        Assert.True(File.Exists(screenshot), "no screenshot at " + screenshot);
        Assert.True(new FileInfo(screenshot).Length > 20_000, "the screenshot is (almost) empty: " + screenshot);
    }

    /// <summary>Where the screenshot is kept: <c>CPX_TEST_RESULTS</c> (./dev test sets it), else beside the test binary.</summary>
    private static string ResultsFolder()
    {
        var folder = Environment.GetEnvironmentVariable("CPX_TEST_RESULTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Runs headless Chromium once on <paramref name="url"/> and returns what it printed.</summary>
    private static async Task<string> RunChromiumAsync(string action, string url)
    {
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);
        Assert.True(chromium is not null, "Debian's chromium is not installed (./dev test installs it)");
        var profile = Directory.CreateTempSubdirectory("cpx-chromium-").FullName;
        try
        {
            var start = new ProcessStartInfo(chromium!)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-extensions", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--metrics-recording-only", "--no-default-browser-check",
                // The test PKI's server certificate is not in the browser's store.
                "--ignore-certificate-errors",
                $"--user-data-dir={profile}", "--window-size=1400,12000", "--hide-scrollbars",
                // Lets the page fetch openapi.yaml and render before the DOM or the screenshot is taken.
                "--virtual-time-budget=20000",
                action, url,
            })
            {
                start.ArgumentList.Add(argument);
            }

            using var browser = Process.Start(start)!;
            var output = browser.StandardOutput.ReadToEndAsync();
            var errors = browser.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            try
            {
                await browser.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                browser.Kill(entireProcessTree: true);
                Assert.Fail("chromium did not finish within 120 s: " + await errors);
            }

            Assert.True(browser.ExitCode == 0, $"chromium exited with {browser.ExitCode}: {await errors}");
            return await output;
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    /// <summary>An operation block of Swagger UI: its method (class opblock-get…) and its path (data-path).</summary>
    [GeneratedRegex("class=\"opblock opblock-(get|put|post|delete|patch|head|options)\\b[^\"]*\".*?data-path=\"([^\"]+)\"", RegexOptions.Singleline)]
    private static partial Regex OperationBlock();
}
