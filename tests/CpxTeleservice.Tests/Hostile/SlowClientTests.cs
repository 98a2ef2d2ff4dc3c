using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Hostile;

/// <summary>A host whose header timeout is short, so that a trickling client is cut within a test's time.</summary>
public sealed class SlowClientHost : ServiceHost
{
    public const int HeadersTimeoutSeconds = 2;

    public SlowClientHost() => With("Limits:RequestsPerSecondPerAddress", "1000000").With("Limits:RequestHeadersTimeoutSeconds", HeadersTimeoutSeconds.ToString());
}

/// <summary>
/// Slow clients are cut by Kestrel's limits over the real TLS port (README, "Limits"): request headers must
/// arrive within <c>Limits__RequestHeadersTimeoutSeconds</c>, and a body must keep Kestrel's minimum data
/// rate (240 bytes/s after a 5 s grace period). A trickling client holds a connection for seconds, not for
/// as long as it likes.
/// </summary>
public class SlowClientTests(SlowClientHost host, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<SlowClientHost>
{
    private async Task<SslStream> ConnectAsync(X509Certificate2? certificate, string protocol)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [new SslApplicationProtocol(protocol)],
            ClientCertificates = certificate is null ? null : new X509CertificateCollection { certificate },
            LocalCertificateSelectionCallback = certificate is null ? null : (_, _, _, _, _) => certificate,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        return tls;
    }

    /// <summary>Sends <paramref name="bytes"/> one at a time, <paramref name="pause"/> apart, until the server closes the connection; returns what it sent and what it read.</summary>
    private static async Task<(int Sent, string Answer, TimeSpan Elapsed)> TrickleAsync(SslStream tls, byte[] bytes, TimeSpan pause, TimeSpan bound)
    {
        var watch = Stopwatch.StartNew();
        var answer = new StringBuilder();
        using var stop = new CancellationTokenSource(bound);
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            try
            {
                int read;
                while ((read = await tls.ReadAsync(buffer, stop.Token)) > 0)
                {
                    lock (answer)
                    {
                        answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }
                }
            }
            catch (IOException)
            {
                // reset by the server: cut as well
            }
        });
        var sent = 0;
        try
        {
            foreach (var b in bytes)
            {
                if (reading.IsCompleted)
                {
                    break;
                }

                await tls.WriteAsync(new[] { b }, stop.Token);
                await tls.FlushAsync(stop.Token);
                sent++;
                await Task.WhenAny(reading, Task.Delay(pause, stop.Token));
            }
        }
        catch (IOException)
        {
            // the server closed the connection while we wrote
        }

        await reading;
        return (sent, answer.ToString(), watch.Elapsed);
    }

    [Fact]
    public async Task Request_headers_trickled_past_the_header_timeout_are_cut()
    {
        var headers = Encoding.ASCII.GetBytes("GET /health/live HTTP/1.1\r\nHost: localhost\r\nUser-Agent: " + new string('s', 200) + "\r\n\r\n");
        await using var tls = await ConnectAsync(null, "http/1.1");

        // Two bytes a second: the headers would take two minutes.
        var (sent, answer, elapsed) = await TrickleAsync(tls, headers, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

        output.WriteLine($"headers: cut after {elapsed.TotalSeconds:F1} s, {sent} of {headers.Length} bytes sent; answer: {answer.Split('\r')[0]}");
        Assert.True(sent < headers.Length, $"the server waited for all {headers.Length} bytes");
        Assert.InRange(elapsed, TimeSpan.FromSeconds(SlowClientHost.HeadersTimeoutSeconds - 0.5), TimeSpan.FromSeconds(SlowClientHost.HeadersTimeoutSeconds + 5));
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);

        // Others are still served.
        using var client = host.CreateClient((X509Certificate2?)null);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Body_trickled_below_the_minimum_data_rate_is_cut()
    {
        var body = Encoding.ASCII.GetBytes("{\"cardType\":\"" + new string('x', 5000) + "\"}");
        await using var tls = await ConnectAsync(host.Pki.Card(ServiceHost.Operator), "http/1.1");
        var head = Encoding.ASCII.GetBytes(
            $"POST /api/v1/admin/cards HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nIdempotency-Key: slow-body\r\nContent-Length: {body.Length}\r\n\r\n");
        await tls.WriteAsync(head);
        await tls.FlushAsync();

        // Ten bytes a second, far below 240 bytes/s: the body would take over eight minutes.
        var (sent, answer, elapsed) = await TrickleAsync(tls, body, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));

        output.WriteLine($"body: cut after {elapsed.TotalSeconds:F1} s, {sent} of {body.Length} bytes sent; answer: {answer.Split('\r')[0]}");
        Assert.True(sent < body.Length, $"the server waited for all {body.Length} bytes");
        // The 5 s grace period, then Kestrel's once-a-second check.
        Assert.InRange(elapsed, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(15));
        Assert.False(answer.StartsWith("HTTP/1.1 5", StringComparison.Ordinal), answer);
    }
}
