using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CpxTeleservice.Bench;

public sealed record PgbenchResult(double TransactionsPerSecond, long Transactions, double Seconds, int Clients, string Mode, string Command, double LatencyMs);

/// <summary>
/// PostgreSQL's own ceiling for the registry read that authenticates every REST request: pgbench
/// (PostgreSQL's server package) running bench/registry.sql, prepared, against the bench database.
/// </summary>
public static partial class Pgbench
{
    public const string Serial = "9000000002"; // the demo legal representative's card, which the REST load presents

    public static async Task<PgbenchResult> RunAsync(Settings settings, int clients, double seconds)
    {
        var arguments = new[]
        {
            "-h", settings.PgHost, "-p", settings.PgPort.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-n", "-M", "prepared",
            "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Math.Min(clients, Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
            "-T", Math.Max(1, (int)Math.Round(seconds)).ToString(CultureInfo.InvariantCulture), "-D", "serial=" + Serial, "-f", settings.RegistrySql!, settings.Database,
        };
        var start = new ProcessStartInfo(settings.Pgbench!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("pgbench did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = await output;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pgbench failed ({process.ExitCode}): {await error}{text}");
        }

        double Number(Regex pattern) => pattern.Match(text) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
        var command = "pgbench " + string.Join(' ', arguments.Select(a => a == settings.RegistrySql ? "bench/registry.sql" : a));
        return new PgbenchResult(Number(Tps()), (long)Number(Transactions()), Math.Round(seconds), clients, "prepared", command, Number(Latency()));
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex Tps();

    [GeneratedRegex(@"number of transactions actually processed: ([0-9]+)")]
    private static partial Regex Transactions();

    [GeneratedRegex(@"latency average = ([0-9.]+) ms")]
    private static partial Regex Latency();
}
