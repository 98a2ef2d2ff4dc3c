using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace CpxTeleservice.Logging;

/// <summary>
/// One JSON object per line on the console, for log collectors: <c>timestamp</c> (UTC), <c>level</c>,
/// <c>category</c>, <c>eventId</c>, <c>eventName</c>, <c>message</c>, <c>traceId</c> and <c>spanId</c>
/// (the current activity's), the scopes' values (<c>requestId</c>, <c>callerIdNat</c>, …) and the
/// message's own values. ASP.NET Core's JSON formatter writes no event name and nests scopes; this one
/// keeps each line flat so that a query reads <c>eventName</c> or <c>callerIdNat</c> directly.
/// </summary>
internal sealed class JsonLineFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "cpx-json";

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            // Log lines keep the real clock, even when Clock__StartAt or Clock__OffsetSeconds moves the service's:
            // they are read beside other systems' logs.
            writer.WriteString("timestamp", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("level", logEntry.LogLevel.ToString());
            writer.WriteString("category", logEntry.Category);
            writer.WriteNumber("eventId", logEntry.EventId.Id);
            if (logEntry.EventId.Name is { } eventName)
            {
                writer.WriteString("eventName", eventName);
            }

            writer.WriteString("message", message);
            if (Activity.Current is { } activity)
            {
                writer.WriteString("traceId", activity.TraceId.ToHexString());
                writer.WriteString("spanId", activity.SpanId.ToHexString());
            }

            if (logEntry.Exception is { } exception)
            {
                writer.WriteString("exception", exception.ToString());
            }

            var written = new HashSet<string>(StringComparer.Ordinal) { "timestamp", "level", "category", "eventId", "eventName", "message", "traceId", "spanId", "exception" };
            scopeProvider?.ForEachScope((scope, state) => WriteValues(state.writer, scope, state.written), (writer, written));
            WriteValues(writer, logEntry.State, written);
            writer.WriteEndObject();
        }

        textWriter.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        textWriter.Write('\n');
    }

    /// <summary>The key/value pairs of a scope or a message, camelCased, the first of a name kept; the message template is left out.</summary>
    private static void WriteValues(Utf8JsonWriter writer, object? values, HashSet<string> written)
    {
        if (values is not IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            return;
        }

        foreach (var (key, value) in pairs)
        {
            if (key == "{OriginalFormat}" || key.Length == 0)
            {
                continue;
            }

            var name = char.ToLowerInvariant(key[0]) + key[1..];
            if (!written.Add(name))
            {
                continue;
            }

            switch (value)
            {
                case null:
                    writer.WriteNull(name);
                    break;
                case bool b:
                    writer.WriteBoolean(name, b);
                    break;
                case int or long or short or byte or uint or ulong or ushort:
                    writer.WriteNumber(name, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case double or float or decimal:
                    writer.WriteNumber(name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default:
                    writer.WriteString(name, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
            }
        }
    }

}
