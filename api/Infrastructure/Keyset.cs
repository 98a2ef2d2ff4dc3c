namespace CpxTeleservice.Infrastructure;

/// <summary>
/// The keyset condition of a page, written only when there is a cursor. A first page and a next page
/// are two statements, each prepared and planned on its own: a single statement with
/// <c>(@after IS NULL OR id &gt; @after)</c> would, once PostgreSQL plans it generically, keep the
/// condition as a filter instead of the index's start point, and every page would read from the start.
/// </summary>
public static class Keyset
{
    /// <summary><c>AND id &gt; @after</c> after a cursor; nothing on a first page.</summary>
    public static string After(Guid? after) => after is null ? "" : "AND id > @after";

    /// <summary>
    /// <c>LIMIT n</c>, the number written into the statement: a parameter there makes PostgreSQL assume a
    /// tenth of the rows in a generic plan, so that it re-plans the statement on every execution. A page's
    /// size is one of a few values (a limit is at most <see cref="Cursor.MaxLimit"/>), each its own prepared statement.
    /// </summary>
    public static string Limit(int fetch) =>
        fetch > 0 ? "LIMIT " + fetch.ToString(System.Globalization.CultureInfo.InvariantCulture) : throw new ArgumentOutOfRangeException(nameof(fetch));

    /// <summary><c>AND id &lt; @before</c> after a cursor of a newest-first list; nothing on a first page.</summary>
    public static string Before(long? before) => before is null ? "" : "AND id < @before";
}
