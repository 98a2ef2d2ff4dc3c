using Dapper;

namespace CpxTeleservice.Security;

/// <summary>
/// A read an endpoint lets authentication send in the same round trip as the registry's check of the card
/// (<see cref="AuthenticationReadAhead"/>): one round trip where there were two. The read is kept only if the card
/// authenticates; the endpoint uses it only when its <see cref="Key"/> equals the one the endpoint itself would read
/// with (the route, the filters, the cursor, the caller), and reads for itself otherwise. The statement's parameters
/// must not be named <c>serial</c> (the registry check's).
/// </summary>
public sealed record ReadAhead(object Key, string Sql, object Parameters, Func<SqlMapper.GridReader, Task<object>> ReadAsync);
