using System.Text;
using CpxTeleservice.Grpc;

namespace CpxTeleservice.Tests.Grpc;

/// <summary>The wire encodings of PROTOCOL-HTTP2.md: grpc-timeout, grpc-message, content-type.</summary>
public class GrpcProtocolTests
{
    public static TheoryData<string, long> ValidTimeouts => new()
    {
        { "1H", TimeSpan.FromHours(1).Ticks },
        { "2M", TimeSpan.FromMinutes(2).Ticks },
        { "3S", TimeSpan.FromSeconds(3).Ticks },
        { "200m", TimeSpan.FromMilliseconds(200).Ticks },
        { "1000u", TimeSpan.FromMilliseconds(1).Ticks },
        { "1u", 10 },
        { "100n", 1 },
        { "1n", 1 }, // rounded up to a tick: a 1 ns deadline has not passed at zero
        { "0S", 0 },
        { "0n", 0 },
        { "99999999S", TimeSpan.FromSeconds(99_999_999).Ticks }, // 8 digits, the most allowed
        { "99999999H", TimeSpan.FromHours(99_999_999).Ticks },
        { "00000001m", TimeSpan.FromMilliseconds(1).Ticks },
    };

    [Theory]
    [MemberData(nameof(ValidTimeouts))]
    public void Timeout_in_every_unit_is_parsed(string header, long expectedTicks)
    {
        Assert.True(GrpcProtocol.TryParseTimeout(header, out var timeout));
        Assert.Equal(expectedTicks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")] // no value
    [InlineData("1")] // no unit
    [InlineData("10")] // no unit
    [InlineData("1s")] // units are case-sensitive: s is not S
    [InlineData("1h")]
    [InlineData("1x")]
    [InlineData("123456789S")] // nine digits: at most eight
    [InlineData("-1S")]
    [InlineData("+1S")]
    [InlineData(" 1S")]
    [InlineData("1 S")]
    [InlineData("1.5S")]
    [InlineData("1e3m")]
    [InlineData("١S")] // a non-ASCII digit
    public void Invalid_timeout_is_refused_and_means_no_deadline(string header)
    {
        Assert.False(GrpcProtocol.TryParseTimeout(header, out var timeout));
        Assert.Equal(Timeout.InfiniteTimeSpan, timeout);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("Method is unimplemented.", "Method is unimplemented.")]
    [InlineData("50% done", "50%25 done")]
    [InlineData("tab\there", "tab%09here")]
    [InlineData("line\nbreak\r", "line%0Abreak%0D")]
    [InlineData("~ and space and !#$&'()*+,/:;=?@[]", "~ and space and !#$&'()*+,/:;=?@[]")] // printable ASCII stays, unlike Uri.EscapeDataString
    [InlineData("\u007F", "%7F")]
    [InlineData("numéro", "num%C3%A9ro")]
    [InlineData("€", "%E2%82%AC")]
    [InlineData("😀", "%F0%9F%98%80")]
    public void Status_message_is_percent_encoded_over_its_UTF8_bytes(string message, string expected)
    {
        Assert.Equal(expected, GrpcProtocol.PercentEncode(message));
    }

    [Fact]
    public void Percent_encoding_leaves_exactly_0x20_to_0x7E_but_percent_unencoded()
    {
        for (var c = 0; c < 0x80; c++)
        {
            var encoded = GrpcProtocol.PercentEncode(((char)c).ToString());
            var unencoded = c is >= 0x20 and <= 0x7E && c != '%';
            Assert.Equal(unencoded ? ((char)c).ToString() : $"%{c:X2}", encoded);
        }

        // Round trip through the bytes a receiver decodes.
        var original = "Échec: 100% des «dossiers»";
        Assert.Equal(original, Decode(GrpcProtocol.PercentEncode(original)));
    }

    private static string Decode(string encoded)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] == '%')
            {
                bytes.Add(Convert.ToByte(encoded.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add((byte)encoded[i]);
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc+json", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("APPLICATION/GRPC", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/grpcx", false)]
    [InlineData("application/json", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Content_type_must_be_application_grpc(string? contentType, bool accepted)
    {
        Assert.Equal(accepted, GrpcProtocol.IsGrpcContentType(contentType));
    }
}
