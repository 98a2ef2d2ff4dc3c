using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// Keyset cursors: the last row's key (a UUIDv7, ordered by creation, or the audit trail's bigint),
/// sealed with ASP.NET Core Data Protection for the list that issued it, base64url-encoded. A page is
/// "rows after this key": rows added meanwhile never shift a page, never repeat a row. A cursor that
/// was not issued by this service (forged, changed by one character, or taken from another list) does
/// not unprotect and is refused; instances sharing the data-protection key ring share cursors.
/// </summary>
public static class Cursor
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>A sealed 16-byte key is about 140 characters; anything longer is refused unread.</summary>
    public const int MaxLength = 256;

    private const string Purpose = "CpxTeleservice.Cursor.v1";

    /// <summary>The protector of one list's cursors: a cursor of one list does not open another.</summary>
    public static IDataProtector For(IDataProtectionProvider provider, string list) => provider.CreateProtector(Purpose, list);

    public static string Encode(IDataProtector protector, Guid id) => Seal(protector, id.ToByteArray(bigEndian: true));

    public static string Encode(IDataProtector protector, long id)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, id);
        return Seal(protector, bytes);
    }

    public static bool TryDecode(IDataProtector protector, string? cursor, out Guid? id)
    {
        id = null;
        if (string.IsNullOrEmpty(cursor))
        {
            return true;
        }

        if (Open(protector, cursor) is not { Length: 16 } bytes)
        {
            return false;
        }

        id = new Guid(bytes, bigEndian: true);
        return true;
    }

    public static bool TryDecodeLong(IDataProtector protector, string? cursor, out long? id)
    {
        id = null;
        if (string.IsNullOrEmpty(cursor))
        {
            return true;
        }

        if (Open(protector, cursor) is not { Length: 8 } bytes)
        {
            return false;
        }

        id = BinaryPrimitives.ReadInt64BigEndian(bytes);
        return true;
    }

    public static int Limit(int? requested) => Math.Clamp(requested ?? DefaultLimit, 1, MaxLimit);

    private static string Seal(IDataProtector protector, byte[] key) => Base64Url.EncodeToString(protector.Protect(key));

    private static byte[]? Open(IDataProtector protector, string cursor)
    {
        if (cursor.Length > MaxLength)
        {
            return null;
        }

        try
        {
            return protector.Unprotect(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
