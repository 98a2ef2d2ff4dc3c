using Dapper;
using Npgsql;

namespace CpxTeleservice.Security;

public static class ReadAheadExtensions
{
    /// <summary>Lets authentication make this endpoint's first read in the registry check's round trip.</summary>
    public static RouteHandlerBuilder ReadAhead(this RouteHandlerBuilder endpoint, Func<HttpContext, string, ReadAhead?> plan) =>
        endpoint.WithMetadata(new AuthenticationReadAhead(plan));

    /// <summary>
    /// What authentication read ahead for this request, if it read with this very <paramref name="key"/>; null
    /// otherwise (nothing read ahead, or with other inputs), and the endpoint reads for itself.
    /// </summary>
    public static T? ReadAhead<T>(this HttpContext context, object key) where T : class =>
        context.Features.Get<ReadAheadResult>() is { } result && result.Key.Equals(key) ? result.Value as T : null;

    /// <summary>
    /// The result of <paramref name="read"/>: as authentication read it ahead with the same key, or read now, in one
    /// round trip on the service's pool. The endpoint states its read once, whichever way it is made.
    /// </summary>
    public static async Task<T> ReadAheadOrReadAsync<T>(this HttpContext context, ReadAhead read, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
        where T : class
    {
        if (context.ReadAhead<T>(read.Key) is { } ahead)
        {
            return ahead;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(read.Sql, read.Parameters, cancellationToken: cancellationToken));
        return (T)await read.ReadAsync(results);
    }
}
