using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using CpxTeleservice.Intake.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace CpxTeleservice.Bench;

/// <summary>The records of the intake benchmark: distinct RPPS professionals, each an inscription.</summary>
public static class Registrations
{
    public const string Profession = "60";

    /// <summary>An RPPS number: 10 digits and a Luhn check digit (the service checks it).</summary>
    public static string Rpps(long index)
    {
        var payload = (2_000_000_000L + index).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return payload + LuhnDigit(payload);
    }

    public static char LuhnDigit(string payload)
    {
        var sum = 0;
        var doubleIt = true; // the rightmost payload digit is doubled once the check digit follows it
        for (var i = payload.Length - 1; i >= 0; i--)
        {
            var d = payload[i] - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return (char)('0' + (10 - sum % 10) % 10);
    }

    public static string RecordId(long index) => "bench-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Nom(long index) => "NOM" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public const string Prenom = "CAMILLE";

    private static readonly Address Place = new() { Lines = { "12 RUE DE LA ROQUETTE" }, CodePostal = "75011", Commune = "PARIS", Departement = "75" };

    public static ProfessionalRegistration Create(long index, Timestamp transmitted) => new()
    {
        RecordId = RecordId(index),
        Version = 1,
        Event = RegistrationEvent.Inscription,
        Rpps = Rpps(index),
        Identity = new Identity { NomExercice = Nom(index), Prenom = Prenom, Civilite = Civilite.Mme, DateNaissance = new CivilDate { Year = 1980, Month = 1 + (int)(index % 12), Day = 1 + (int)(index % 28) } },
        Exercise = new Exercise
        {
            Profession = Profession, CategorieProfessionnelle = "C", ModeExercice = "L",
            Place = new PlaceOfExercise { Finess = "750812349", RaisonSociale = "CENTRE DE SANTE BENCH", Address = Place },
        },
        CorrespondenceAddress = Place,
        TransmittedAt = transmitted,
    };
}

public sealed record IntakeResult(long Records, long Accepted, long OrdersCreated, long Other, double Seconds, int Streams, string Status)
{
    public double PerSecond => Accepted / Seconds;
}

/// <summary>
/// The intake client: OrdreIntake.StreamRegistrations over HttpClient and HTTP/2 (several connections),
/// gRPC framing by hand, the request streamed while the acks are read concurrently, the status read
/// from the trailers. The clock runs from the first byte sent to the last ack of every stream.
/// </summary>
public static class IntakeClient
{
    public const string Path = "/cpx.intake.v1.OrdreIntake/StreamRegistrations";

    /// <summary>The bench-only ack stream (Bench__BareEndpoint=true): the gRPC stack alone, no authentication, no database.</summary>
    public const string AckPath = "/cpx.bench.v1.BenchAck/Ack";

    public static Task<IntakeResult> RunAsync(Settings settings, long first, long count, int streams) =>
        RunAsync(settings, settings.BaseUrl, Path, first, count, streams);

    public static async Task<IntakeResult> RunAsync(Settings settings, string baseUrl, string path, long first, long count, int streams)
    {
        using var certificate = Tls.Load(System.IO.Path.Combine(settings.Pki, "organisations", "ordre.crt"), System.IO.Path.Combine(settings.Pki, "organisations", "ordre.key"));
        using var handler = Tls.Handler(settings, certificate, maxConnections: streams);
        // The streams share a connection until Kestrel's limit of concurrent streams (100) asks for another.
        handler.EnableMultipleHttp2Connections = true;
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var transmitted = Timestamp.FromDateTime(DateTime.UtcNow);
        var per = count / streams;
        var clock = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, streams).Select(s =>
        {
            var from = first + s * per;
            var n = s == streams - 1 ? count - s * per : per;
            return Task.Run(() => StreamAsync(client, baseUrl + path, from, n, transmitted));
        }).ToArray();
        var results = await Task.WhenAll(tasks);
        var seconds = clock.Elapsed.TotalSeconds;
        return new IntakeResult(count, results.Sum(r => r.Accepted), results.Sum(r => r.Orders), results.Sum(r => r.Other), seconds, streams,
            string.Join(", ", results.Select(r => r.Status).Distinct()));
    }

    private sealed class RecordsContent(long from, long count, Timestamp transmitted) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var buffer = new byte[256 * 1024];
            var used = 0;
            for (var i = from; i < from + count; i++)
            {
                var message = Registrations.Create(i, transmitted);
                var size = message.CalculateSize();
                if (used + 5 + size > buffer.Length)
                {
                    await stream.WriteAsync(buffer.AsMemory(0, used));
                    used = 0;
                }

                buffer[used] = 0;
                BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(used + 1, 4), (uint)size);
                message.WriteTo(buffer.AsSpan(used + 5, size));
                used += 5 + size;
            }

            if (used > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, used));
            }

            await stream.FlushAsync();
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private sealed record StreamResult(long Accepted, long Orders, long Other, string Status);

    private static async Task<StreamResult> StreamAsync(HttpClient client, string url, long from, long count, Timestamp transmitted)
    {
        var content = new RecordsContent(from, count, transmitted);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new StreamResult(0, 0, count, $"HTTP {(int)response.StatusCode}");
        }

        long accepted = 0, orders = 0, other = 0, expected = from;
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[256 * 1024];
        int start = 0, end = 0;
        while (true)
        {
            // Parse every whole frame in the buffer, then read more.
            while (end - start >= 5)
            {
                var length = (int)BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(start + 1, 4));
                if (end - start < 5 + length)
                {
                    break;
                }

                var ack = RegistrationAck.Parser.ParseFrom(buffer, start + 5, length);
                if (ack.RecordId != Registrations.RecordId(expected))
                {
                    throw new InvalidOperationException($"ack out of order: {ack.RecordId}, expected {Registrations.RecordId(expected)}");
                }

                expected++;
                if (ack.Outcome == AckOutcome.Accepted)
                {
                    accepted++;
                    if (ack.OrderId.Length > 0)
                    {
                        orders++;
                    }
                }
                else
                {
                    other++;
                    if (other <= 3)
                    {
                        Console.Error.WriteLine($"intake: {ack.RecordId} {ack.Outcome} {ack.ReasonCode} {ack.Field}");
                    }
                }

                start += 5 + length;
            }

            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }

            var read = await body.ReadAsync(buffer.AsMemory(end));
            if (read == 0)
            {
                break;
            }

            end += read;
        }

        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var values) ? values.First()
            : response.Headers.TryGetValues("grpc-status", out var headerValues) ? headerValues.First() : "none";
        var message = response.TrailingHeaders.TryGetValues("grpc-message", out var messages) ? " " + messages.First() : "";
        return new StreamResult(accepted, orders, other, "grpc-status " + status + message);
    }
}
