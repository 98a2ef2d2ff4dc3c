using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace CpxTeleservice.Parc;

/// <summary>The entity tag of a card's representation, and the conditional headers that compare with it.</summary>
internal static class CardETag
{
    private static readonly JsonSerializerOptions ETagJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// A strong validator of the card's representation (RFC 9110 §8.8.3): a digest of all it shows,
    /// certificates, history and the derived state included, so any change of what a client sees changes it.
    /// </summary>
    public static string Of(CardView card)
    {
        var digest = SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(card, ETagJson));
        return "\"" + Base64Url.EncodeToString(digest.AsSpan(0, 18)) + "\"";
    }

    /// <summary>If-None-Match (RFC 9110 §13.1.2): a list of tags, weak or strong, or *.</summary>
    public static bool NoneMatch(string? header, string etag) =>
        !string.IsNullOrEmpty(header)
        && header.Split(',').Select(t => t.Trim()).Any(t => t == "*" || t == etag || t == "W/" + etag);

    /// <summary>If-Match (RFC 9110 §13.1.1): * or a list of strong tags.</summary>
    public static bool Matches(string header, string etag) =>
        header == "*" || header.Split(',').Select(t => t.Trim()).Contains(etag);
}
