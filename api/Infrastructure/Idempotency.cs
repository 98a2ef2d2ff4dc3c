using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// The Idempotency-Key protocol (IETF draft httpapi-idempotency-key-header), inside the transaction of the
/// change it protects: the key is claimed by a row that commits with the change (a refused request does not
/// burn its key), a retry replays the stored response, a retry while the first runs is a 409, and the key
/// reused for another request is a 422. An advisory lock on the key makes concurrent duplicates race-free.
/// A key is kept <see cref="IdempotencyOptions.RetentionHours"/> after its claim; past that it is a new key
/// (<see cref="IdempotencyPurgeJob"/> deletes it).
/// </summary>
public sealed class Idempotency(NpgsqlConnection connection, NpgsqlTransaction transaction, string callerIdNat, string scope, string key)
{
    public const string Header = "Idempotency-Key";
    private const int MaxKeyLength = 255;

    /// <summary>The request's key, or the 400 problem when it is missing or too long.</summary>
    public static ProblemHttpResult? ReadKey(HttpRequest request, out string key)
    {
        key = request.Headers[Header].ToString();
        if (key.Length == 0)
        {
            return Problem.Status(StatusCodes.Status400BadRequest, ProblemTypes.IdempotencyKeyMissing, "Idempotency-Key is required",
                "Send a unique Idempotency-Key header with every order; retry with the same key to get the same order.");
        }

        return key.Length > MaxKeyLength
            ? Problem.Status(StatusCodes.Status400BadRequest, ProblemTypes.BadRequest, "Idempotency-Key is too long", $"At most {MaxKeyLength} characters.")
            : null;
    }

    /// <summary>What identifies a request: its target and its body, serialised as the service reads it.</summary>
    public static string Hash(string target, object body, JsonSerializerOptions options) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{target}\n{JsonSerializer.Serialize(body, options)}")));

    /// <summary>
    /// The claim, as one statement a caller may send in a batch with its own (<see cref="ClaimParameters"/>).
    /// A request with this key still running holds the lock: answer 409 rather than wait. The lock is tried,
    /// then the key claimed under it (the insert reads the lock's row first). A key past its retention is a
    /// new key, whether or not the purge has deleted it yet: its row is claimed afresh (created_at by the
    /// service's clock). Either way the row is locked until the commit, so the purge skips it and a replay
    /// reads it. Its row: (locked, claimed), for <see cref="AnswerAsync"/>.
    /// </summary>
    internal const string ClaimStatement =
        """
        WITH lock AS (SELECT pg_try_advisory_xact_lock(hashtextextended(@lockKey, 0)) AS locked),
             claim AS (INSERT INTO idempotency_keys AS k (caller_id_nat, scope, key, request_hash, status_code, response_body)
                       SELECT @callerIdNat, @scope, @key, @requestHash, 0, '' FROM lock WHERE lock.locked
                       ON CONFLICT (caller_id_nat, scope, key) DO UPDATE
                           SET request_hash = EXCLUDED.request_hash, status_code = 0, response_body = '', location = NULL,
                               created_at = EXCLUDED.created_at
                           WHERE k.created_at < cpx_now() - @retention
                       RETURNING 1)
        SELECT (SELECT locked FROM lock), EXISTS (SELECT 1 FROM claim)
        """;

    /// <summary>The parameters of <see cref="ClaimStatement"/> for this request.</summary>
    internal object ClaimParameters(HttpContext http, string requestHash) => new
    {
        lockKey = $"idempotency\n{callerIdNat}\n{key}", callerIdNat, scope, key, requestHash,
        retention = http.RequestServices.GetRequiredService<IOptions<IdempotencyOptions>>().Value.Retention(),
    };

    /// <summary>
    /// Claims the key for this request. Null: the key is this request's, go on. Otherwise the answer to send:
    /// the stored response replayed, 409 while the first request runs, 422 when the key served another request.
    /// </summary>
    public async Task<IResult?> ClaimAsync(HttpContext http, string requestHash, CancellationToken cancellationToken)
    {
        var (locked, claimed) = await connection.QuerySingleAsync<(bool Locked, bool Claimed)>(new CommandDefinition(
            ClaimStatement, ClaimParameters(http, requestHash), transaction, cancellationToken: cancellationToken));
        return await AnswerAsync(http, locked, claimed, requestHash, cancellationToken);
    }

    /// <summary>What the claim's row means: null when the key is this request's, otherwise the answer to send.</summary>
    internal async Task<IResult?> AnswerAsync(HttpContext http, bool locked, bool claimed, string requestHash, CancellationToken cancellationToken)
    {
        if (!locked)
        {
            return Problem.Conflict(ProblemTypes.IdempotencyKeyInUse, "A request with this Idempotency-Key is in progress", "Retry once it has finished to get its response.");
        }

        if (claimed)
        {
            return null;
        }

        var stored = await connection.QuerySingleAsync<(string RequestHash, int StatusCode, string ResponseBody, string? Location)>(new CommandDefinition(
            "SELECT request_hash, status_code, response_body, location FROM idempotency_keys WHERE caller_id_nat = @callerIdNat AND scope = @scope AND key = @key",
            new { callerIdNat, scope, key }, transaction, cancellationToken: cancellationToken));
        if (stored.RequestHash != requestHash)
        {
            return Problem.Rule(ProblemTypes.IdempotencyKeyReused, "This Idempotency-Key was used for another request", "Use a new key for a different order.");
        }

        http.Response.Headers["Idempotent-Replayed"] = "true";
        return Respond(http, stored.StatusCode, stored.ResponseBody, stored.Location);
    }

    /// <summary>Stores the response a retry replays; it commits with the change.</summary>
    public Task StoreAsync(int statusCode, string body, string? location, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE idempotency_keys SET status_code = @statusCode, response_body = @body, location = @location WHERE caller_id_nat = @callerIdNat AND scope = @scope AND key = @key",
            new { statusCode, body, location, callerIdNat, scope, key }, transaction, cancellationToken: cancellationToken));

    /// <summary>The response, first or replayed: the same status, body and Location.</summary>
    public static IResult Respond(HttpContext http, int statusCode, string body, string? location)
    {
        if (location is not null)
        {
            http.Response.Headers.Location = location;
        }

        return Results.Text(body, "application/json", Encoding.UTF8, statusCode);
    }
}
