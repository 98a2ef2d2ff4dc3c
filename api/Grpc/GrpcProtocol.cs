using System.Buffers;
using System.Globalization;
using System.Text;

namespace CpxTeleservice.Grpc;

/// <summary>Wire constants and the small encodings of grpc doc/PROTOCOL-HTTP2.md.</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusTrailer = "grpc-status";
    public const string MessageTrailer = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";

    /// <summary>What this server decompresses (PROTOCOL-HTTP2.md, "Message-Accept-Encoding").</summary>
    public const string SupportedEncodings = "identity,gzip";

    /// <summary>1 flag byte (Compressed-Flag) + 4 bytes big-endian Message-Length ("Length-Prefixed-Message").</summary>
    public const int HeaderSize = 5;

    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>
    /// "Content-Type → application/grpc [("+proto" / "+json" / {custom})]": anything else is not gRPC.
    /// Parameters (<c>; charset=…</c>) are tolerated as grpc-dotnet does.
    /// </summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (contentType.Length == ContentType.Length)
        {
            return true;
        }

        var next = contentType[ContentType.Length];
        return next is '+' or ';';
    }

    /// <summary>
    /// Timeout → "grpc-timeout" TimeoutValue TimeoutUnit; TimeoutValue → {positive integer as ASCII
    /// string of at most 8 digits}; TimeoutUnit → Hour "H" / Minute "M" / Second "S" /
    /// Millisecond "m" / Microsecond "u" / Nanosecond "n". A malformed value is ignored (no deadline),
    /// as grpc-dotnet does; a value too large for a TimeSpan is no deadline either.
    /// </summary>
    public static bool TryParseTimeout(string? value, out TimeSpan timeout)
    {
        timeout = Timeout.InfiniteTimeSpan;
        if (value is null || value.Length < 2 || value.Length > 9)
        {
            return false;
        }

        var digits = value.AsSpan(0, value.Length - 1);
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false; // no sign, no space, no decimal point
            }
        }

        var amount = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        long? ticks = value[^1] switch
        {
            'H' => amount * TimeSpan.TicksPerHour,
            'M' => amount * TimeSpan.TicksPerMinute,
            'S' => amount * TimeSpan.TicksPerSecond,
            'm' => amount * TimeSpan.TicksPerMillisecond,
            'u' => amount * (TimeSpan.TicksPerMillisecond / 1000),
            // A tick is 100 ns: round up, so that 1n is a deadline that has not yet passed at zero.
            'n' => (amount + 99) / 100,
            _ => null,
        };
        if (ticks is null)
        {
            return false;
        }

        // 99999999H is about 11 400 years: it fits in a long of ticks (max about 29 000 years).
        timeout = TimeSpan.FromTicks(ticks.Value);
        return true;
    }

    /// <summary>
    /// Status-Message → Percent-Byte-Encoded: "Percent-Byte-Unencoded → 1*( %x20-%x24 / %x26-%x7E )",
    /// every other byte of the UTF-8 encoding as "%" followed by two upper-case hex digits.
    /// </summary>
    public static string PercentEncode(string message)
    {
        var needed = false;
        foreach (var c in message)
        {
            if (c is < ' ' or > '~' or '%')
            {
                needed = true;
                break;
            }
        }

        if (!needed)
        {
            return message;
        }

        var bytes = Encoding.UTF8.GetBytes(message);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>Writes the 5-byte prefix of an uncompressed message.</summary>
    public static void WriteHeader(Span<byte> destination, int length)
    {
        destination[0] = 0;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    /// <summary>Reads the prefix at the start of <paramref name="buffer"/> (which holds at least 5 bytes).</summary>
    public static (byte Flag, uint Length) ReadHeader(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        return (header[0], System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header[1..]));
    }
}
