using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CpxTeleservice.Tests.Events;

/// <summary>
/// A real HTTP receiver on a loopback port (HttpListener), as a structure's software runs one: it checks
/// each delivery's signature with its own HMAC-SHA256 code, records what it received, and can be stopped
/// and started again on the same port.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private HttpListener? _listener;
    private Task? _loop;

    public WebhookReceiver(int? port = null)
    {
        Port = port ?? FreePort();
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/hook";
    public string? Secret { get; set; }

    /// <summary>What to answer: 200 unless set (a status, or a delay before answering).</summary>
    public Func<HttpListenerContext, Task>? Respond { get; set; }

    public ConcurrentQueue<Delivery> Deliveries { get; } = new();

    public sealed record Delivery(Guid Id, string Type, string Resource, bool SignatureValid, string HeaderEventId, JsonElement Body);

    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Start()
    {
        _listener = new HttpListener();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        var listener = _listener;
        _loop = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                _ = Task.Run(() => HandleAsync(context));
            }
        });
    }

    public async Task StopAsync()
    {
        _listener?.Stop();
        _listener?.Close();
        if (_loop is not null)
        {
            await _loop;
        }

        _listener = null;
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(buffer);
            var body = buffer.ToArray();
            if (Respond is { } respond)
            {
                await respond(context);
                if (context.Response.StatusCode is < 200 or > 299)
                {
                    context.Response.Close();
                    return;
                }
            }

            using var document = JsonDocument.Parse(body);
            var root = document.RootElement.Clone();
            Deliveries.Enqueue(new Delivery(root.GetProperty("id").GetGuid(), root.GetProperty("type").GetString()!, root.GetProperty("resource").GetString()!,
                Verify(context.Request.Headers["Cpx-Signature"], body), context.Request.Headers["Cpx-Event-Id"] ?? "", root));
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
        catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    /// <summary>The check README shows: HMAC-SHA256(secret, "t.body") equals v1, and t is within five minutes.</summary>
    private bool Verify(string? header, byte[] body)
    {
        if (Secret is null || header is null)
        {
            return false;
        }

        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var v1)
            || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - long.Parse(t, System.Globalization.CultureInfo.InvariantCulture)) > 300)
        {
            return false;
        }

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(t + ".").Concat(body).ToArray()));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(v1));
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
