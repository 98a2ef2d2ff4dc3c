using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace CpxTeleservice.Bench;

public sealed record HandshakeResult(long Connections, long Errors, double Seconds, int Concurrency, string Protocol, double P50, double P99)
{
    public double PerSecond => Connections / Seconds;
}

/// <summary>
/// New mutual-TLS connections per second: each one a new TCP connection, a full handshake presenting
/// the card certificate (SslStream, no connection reuse), GET /health/live over HTTP/1.1 with
/// Connection: close, the answer read to the end.
/// </summary>
public static class Handshakes
{
    public static async Task<HandshakeResult> RunAsync(Settings settings, string baseUrl, int concurrency, double seconds)
    {
        using var certificate = Tls.Load(Path.Combine(settings.Pki, "cards", "legal-representative-auth.crt"), Path.Combine(settings.Pki, "cards", "legal-representative-auth.key"));
        var uri = new Uri(baseUrl);
        var pin = Tls.Pin(Path.Combine(settings.Pki, "server", "server.crt"));
        var request = Encoding.ASCII.GetBytes($"GET /health/live HTTP/1.1\r\nHost: {uri.Authority}\r\nConnection: close\r\n\r\n");
        var latencies = new Latencies();
        long ok = 0, errors = 0;
        var protocol = "";
        var end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var buffer = new byte[4096];
            while (Stopwatch.GetTimestamp() < end)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var tcp = new TcpClient { NoDelay = true };
                    await tcp.ConnectAsync(uri.Host, uri.Port);
                    await using var tls = new SslStream(tcp.GetStream(), false);
                    await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                    {
                        TargetHost = "localhost",
                        ClientCertificates = [certificate],
                        RemoteCertificateValidationCallback = pin,
                        EnabledSslProtocols = SslProtocols.None,
                        ApplicationProtocols = [SslApplicationProtocol.Http11],
                    });
                    protocol = tls.SslProtocol.ToString();
                    await tls.WriteAsync(request);
                    var total = 0;
                    int read;
                    while ((read = await tls.ReadAsync(buffer.AsMemory(total, buffer.Length - total))) > 0)
                    {
                        total += read;
                    }

                    if (Encoding.ASCII.GetString(buffer, 0, Math.Min(total, 12)) == "HTTP/1.1 200")
                    {
                        Interlocked.Increment(ref ok);
                        latencies.Add(Stopwatch.GetTimestamp() - started);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (Exception exception) when (exception is IOException or SocketException or AuthenticationException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        var (p50, _, p99, _) = latencies.Summary();
        return new HandshakeResult(ok, errors, clock.Elapsed.TotalSeconds, concurrency, protocol, p50, p99);
    }
}
