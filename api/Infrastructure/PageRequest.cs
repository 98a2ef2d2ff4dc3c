using System.Globalization;
using Microsoft.AspNetCore.DataProtection;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// The paging of a list, from the query string: <c>cursor</c> (opaque, as a previous page gave it) and
/// <c>limit</c> (1 to <see cref="Cursor.MaxLimit"/>, <see cref="Cursor.DefaultLimit"/> when absent).
/// A handler takes it as a parameter; a cursor this service did not issue is a 422 naming the field.
/// </summary>
public sealed class PageRequest
{
    private readonly IDataProtector _protector;

    private PageRequest(string? cursor, int limit, IDataProtector protector)
    {
        Raw = cursor;
        Limit = limit;
        _protector = protector;
    }

    /// <summary>The cursor as sent, or null for the first page.</summary>
    public string? Raw { get; }

    /// <summary>How many items the page holds at most.</summary>
    public int Limit { get; }

    /// <summary>How many rows to read: one more than the page, to know whether another follows.</summary>
    public int Fetch => Limit + 1;

    public static ValueTask<PageRequest?> BindAsync(HttpContext context)
    {
        var query = context.Request.Query;
        int? limit = null;
        if (query["limit"].ToString() is { Length: > 0 } raw)
        {
            limit = int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new BadHttpRequestException($"Failed to bind parameter \"int? limit\" from \"{raw}\".");
        }

        // A cursor belongs to the list (the route, its ids included) that issued it.
        var protector = Cursor.For(context.RequestServices.GetRequiredService<IDataProtectionProvider>(), context.Request.Path.Value ?? "");
        return ValueTask.FromResult<PageRequest?>(new PageRequest(query["cursor"].ToString() is { Length: > 0 } cursor ? cursor : null, Cursor.Limit(limit), protector));
    }

    /// <summary>A page of rows after a UUIDv7 id (creation order); false when the cursor is not one this service issued.</summary>
    public bool TryAfter(out Guid? after) => Cursor.TryDecode(_protector, Raw, out after);

    /// <summary>A page of rows before a bigint id (newest first); false when the cursor is not one this service issued.</summary>
    public bool TryBefore(out long? before) => Cursor.TryDecodeLong(_protector, Raw, out before);

    /// <summary>The page of rows read with <see cref="Fetch"/>: the extra row says whether a next page exists.</summary>
    public Page<T> ToPage<T>(IReadOnlyList<T> rows, Func<T, Guid> id) =>
        rows.Count > Limit
            ? new Page<T>(rows.Take(Limit).ToList(), Cursor.Encode(_protector, id(rows[Limit - 1])))
            : new Page<T>(rows, null);

    /// <summary>The cursor of the page after the row with this bigint key (newest first).</summary>
    public string CursorAfter(long id) => Cursor.Encode(_protector, id);
}
