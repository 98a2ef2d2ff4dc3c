using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Hostile;

/// <summary>
/// Every operation of openapi.yaml called with generated malformed input (seeded, bounded): wrong types,
/// missing and extra fields, huge strings, control characters, lone surrogates, invalid UTF-8, SQL- and
/// path-like strings, deep nesting, wrong content types, bad ids, limits and cursors. No answer is a 5xx,
/// every refusal is a problem document whose type openapi.yaml lists, and the service still serves.
/// </summary>
public class HostileSuiteTests(UnthrottledHost host) : IClassFixture<UnthrottledHost>
{
    public const int Cases = 5000;
    private const int Seed = 20261129;

    private sealed record Operation(string Method, string Path);

    private sealed record Case(string Method, string Path, string? ContentType, byte[]? Body, bool Anonymous)
    {
        public override string ToString() =>
            $"{Method} {Path} [{ContentType}] {(Body is null ? "" : Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 200))))}{(Anonymous ? " (no card)" : "")}";
    }

    private static readonly string Document = File.ReadAllText(Repository.File("openapi.yaml"));

    private static IReadOnlyList<Operation> Operations()
    {
        var operations = new List<Operation>();
        string? path = null;
        foreach (var line in Document.Split('\n'))
        {
            if (Regex.Match(line, @"^  (/[^:]*):\s*$") is { Success: true } p)
            {
                path = p.Groups[1].Value;
            }
            else if (path is not null && Regex.Match(line, @"^    (get|post|put|patch|delete):\s*$") is { Success: true } m)
            {
                operations.Add(new Operation(m.Groups[1].Value.ToUpperInvariant(), path));
            }
            else if (line.Length > 0 && !line.StartsWith(' '))
            {
                path = null;
            }
        }

        return operations;
    }

    private static readonly string[] BadSegments =
    [
        "not-a-uuid", "00000000-0000-0000-0000-000000000000", "' OR '1'='1", "..%2F..%2Fetc%2Fpasswd", "%C3%28", "%FF%FE",
        new string('9', 2000), "-1", "1e309", "%25%25", "%20", "null", "%E2%80%AE", "%F0%9F%98%80", "a%2Fb",
    ];

    private static readonly string[] BadValues =
    [
        "%01", "%7F", "abc", "-1", "0", "99999999999999999999", "' OR 1=1 --", "..%2F..%2F", "%C3%28", "%ED%A0%80",
        new string('x', 1500), "2026-13-45", "true", "[]", "%00", "eyJhIjoxfQ", "%E2%80%AE",
    ];

    private static readonly string[] QueryKeys = ["limit", "cursor", "state", "type", "holder", "expiringBefore", "structureId", "x", "limit", "cursor"];

    private static readonly string[] JsonStrings =
    [
        "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00x\"", "\"" + new string('A', 3000) + "\"", "\"' OR 1=1 --\"", "\"../../etc/passwd\"",
        "\"\\u001b[31m\"", "\"CPS\"", "\"\"", "\"2026-02-30T25:00:00Z\"", "\"not-a-uuid\"", "\"\\t\\n\"",
    ];

    private static readonly string[] JsonScalars = ["null", "true", "-1", "1e309", "12345678901234567890", "[]", "{}", "0.5", "\"x\""];

    private static readonly string[] Fields =
    [
        "cardType", "serial", "holder", "structureId", "profession", "validFrom", "validUntil", "event", "occurredAt", "cardSerial",
        "reason", "replacement", "idNat", "nom", "prenom", "finess", "siret", "raisonSociale", "kind", "modeExercice", "unknownField",
    ];

    private static byte[] JsonBody(Random random)
    {
        switch (random.Next(12))
        {
            case 0: return "{"u8.ToArray();
            case 1: return Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000));
            case 2: return [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]; // invalid UTF-8 in a string
            case 3: return Encoding.UTF8.GetBytes(JsonScalars[random.Next(JsonScalars.Length)]);
            case 4: return "{\"cardType\":\"CPE\",\"cardType\":\"CPS\"}"u8.ToArray();
            case 5: return [];
            default:
                var builder = new StringBuilder("{");
                var count = random.Next(1, 7);
                for (var i = 0; i < count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }

                    builder.Append('"').Append(Fields[random.Next(Fields.Length)]).Append("\":");
                    builder.Append(random.Next(3) switch
                    {
                        0 => JsonStrings[random.Next(JsonStrings.Length)],
                        1 => JsonScalars[random.Next(JsonScalars.Length)],
                        _ => "{\"" + Fields[random.Next(Fields.Length)] + "\":" + JsonStrings[random.Next(JsonStrings.Length)] + "}",
                    });
                }

                return Encoding.UTF8.GetBytes(builder.Append('}').ToString());
        }
    }

    private static Case Generate(Random random, Operation operation)
    {
        var path = Regex.Replace(operation.Path, @"\{[^}]+\}", _ => random.Next(4) == 0 ? Guid.NewGuid().ToString() : BadSegments[random.Next(BadSegments.Length)]);
        if (random.Next(2) == 0)
        {
            var query = Enumerable.Range(0, random.Next(1, 4)).Select(_ => QueryKeys[random.Next(QueryKeys.Length)] + "=" + BadValues[random.Next(BadValues.Length)]);
            path += "?" + string.Join('&', query);
        }

        string? contentType = null;
        byte[]? body = null;
        if (operation.Method is "POST" or "PUT" or "PATCH" || random.Next(10) == 0)
        {
            contentType = random.Next(8) switch
            {
                0 => "text/plain",
                1 => "application/xml",
                2 => "multipart/form-data; boundary=x",
                3 => "application/json; charset=latin1",
                _ => "application/json",
            };
            body = random.Next(15) == 0 ? new byte[100_000] : JsonBody(random);
        }

        return new Case(operation.Method, path, contentType, body, random.Next(8) == 0);
    }

    [Fact]
    public async Task Generated_malformed_requests_to_every_operation_get_no_5xx_and_only_documented_problem_types()
    {
        var documented = Regex.Matches(Document, @"`(/problems/[a-z0-9-]+)`").Select(m => m.Groups[1].Value).ToHashSet();
        var operations = Operations();
        Assert.True(operations.Count >= 20, $"only {operations.Count} operations read from openapi.yaml");
        var random = new Random(Seed);
        var cases = Enumerable.Range(0, Cases).Select(i => Generate(random, operations[i % operations.Count])).ToList();

        using var operatorClient = host.CreateClient(ServiceHost.Operator);
        using var anonymous = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        var failures = new ConcurrentBag<string>();
        var connectionsCut = 0;
        var statuses = new ConcurrentDictionary<int, int>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (c, ct) =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path);
            if (c.Body is not null)
            {
                request.Content = new ByteArrayContent(c.Body);
                request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
            }

            request.Headers.TryAddWithoutValidation("Idempotency-Key", "hostile-" + c.GetHashCode());
            // A body over the route's limit may make Kestrel cut the connection it came on (README, "Limits"):
            // such a case gets a connection of its own, and a cut connection is an accepted answer for it.
            var oversized = c.Body is { Length: > 65_536 };
            using var own = oversized ? host.CreateClient(c.Anonymous ? null : host.Pki.Card(ServiceHost.Operator)) : null;
            HttpResponseMessage response;
            try
            {
                response = await (own ?? (c.Anonymous ? anonymous : operatorClient)).SendAsync(request, ct);
            }
            catch (HttpRequestException exception)
            {
                if (oversized)
                {
                    Interlocked.Increment(ref connectionsCut);
                }
                else
                {
                    failures.Add($"no answer ({exception.InnerException?.Message ?? exception.Message}) for {c}");
                }

                return;
            }

            using var _ = response;
            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            var text = await response.Content.ReadAsStringAsync(ct);
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"{(int)response.StatusCode} for {c}: {text[..Math.Min(text.Length, 300)]}");
            }
            else if ((int)response.StatusCode >= 400)
            {
                string? type = null;
                try
                {
                    type = JsonDocument.Parse(text).RootElement.GetProperty("type").GetString();
                }
                catch (Exception)
                {
                    // not a problem document
                }

                if (response.Content.Headers.ContentType?.MediaType != "application/problem+json" || type is null || !documented.Contains(type))
                {
                    failures.Add($"{(int)response.StatusCode} {response.Content.Headers.ContentType} type {type ?? "(none)"} for {c}");
                }
            }
        });

        Assert.True(failures.IsEmpty, $"{failures.Count} of {Cases} cases failed, e.g.:\n{string.Join('\n', failures.Take(15))}\nstatuses: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");

        Assert.True(connectionsCut <= cases.Count(c => c.Body is { Length: > 65_536 }));

        // Still serving.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.GetAsync("/api/v1/me")).StatusCode);
    }
}
