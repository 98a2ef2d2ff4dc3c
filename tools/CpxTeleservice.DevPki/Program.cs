using CpxTeleservice.DevPki;

// Usage: CpxTeleservice.DevPki <folder> [--force] [--host name]...
// Writes a development PKI modelled on IGC-Santé. Never use it outside development and tests.
if (args.Length == 0 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: CpxTeleservice.DevPki <folder> [--force] [--host name]...");
    return 2;
}

var folder = Path.GetFullPath(args[0]);
var force = args.Contains("--force");
var hosts = new List<string>();
for (var i = 1; i < args.Length - 1; i++)
{
    if (args[i] == "--host")
    {
        hosts.Add(args[i + 1]);
    }
}

if (hosts.Count == 0)
{
    hosts.AddRange(["localhost", "127.0.0.1", "::1"]);
}

var written = DemoPki.Write(folder, hosts, force);
Console.WriteLine(written ? $"development PKI written to {folder}" : $"development PKI kept in {folder} (use --force to regenerate)");
return 0;
