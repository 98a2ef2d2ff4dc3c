using System.Diagnostics;
using System.Text.RegularExpressions;

namespace CpxTeleservice.Tests.Forms;

/// <summary>
/// Reads a PDF as a person's tools do, with Debian's poppler-utils (./dev test installs them): its text
/// (pdftotext), its fonts (pdffonts) and its first page as a PNG (pdftoppm) kept in the test results folder.
/// </summary>
internal static partial class PdfTools
{
    /// <summary>
    /// The text of every page in its physical layout (a label and its value on one line), whitespace runs
    /// (line ends included) collapsed to one space.
    /// </summary>
    public static async Task<string> TextAsync(byte[] pdf)
    {
        using var file = new TempPdf(pdf);
        var text = await RunAsync("pdftotext", "-layout", "-enc", "UTF-8", file.Path, "-");
        return Whitespace().Replace(text, " ");
    }

    /// <summary>The rows of pdffonts: one per font, with the start of its name and whether it is embedded.</summary>
    public static async Task<IReadOnlyList<(string Name, bool Embedded)>> FontsAsync(byte[] pdf)
    {
        using var file = new TempPdf(pdf);
        var lines = (await RunAsync("pdffonts", file.Path)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // name type encoding emb sub uni object ID: two header lines, then one line per font.
        return lines.Skip(2).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(columns => (columns[0], columns[^5] == "yes")).ToList();
    }

    /// <summary>Renders page 1 to <c>&lt;results&gt;/&lt;name&gt;.png</c> and returns its path.</summary>
    public static async Task<string> RenderFirstPageAsync(byte[] pdf, string name)
    {
        using var file = new TempPdf(pdf);
        var folder = ResultsFolder();
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, name);
        File.Delete(target + ".png");
        await RunAsync("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", file.Path, target);
        return target + ".png";
    }

    /// <summary>Where pictures are kept: <c>CPX_TEST_RESULTS</c> (./dev test sets it), else beside the test binary.</summary>
    public static string ResultsFolder() =>
        Environment.GetEnvironmentVariable("CPX_TEST_RESULTS") is { Length: > 0 } folder
            ? folder
            : Path.Combine(AppContext.BaseDirectory, "TestResults");

    private static async Task<string> RunAsync(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{tool} is missing: install Debian's poppler-utils (./dev test does).", e);
        }

        using (process)
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"{tool} exited with {process.ExitCode}: {await error}");
            return await output;
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    private sealed class TempPdf : IDisposable
    {
        public TempPdf(byte[] content)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"cpx-form-{Guid.NewGuid():N}.pdf");
            File.WriteAllBytes(Path, content);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}
