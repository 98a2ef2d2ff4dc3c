using System.Text.Json;
using System.Text.Json.Serialization;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// Text the service accepts (README, "Limits"): no control character but tab, line feed and carriage return,
/// no lone surrogate, and no longer than <see cref="LimitsOptions.MaxStringLength"/> characters; in JSON
/// bodies, no duplicate property and no property the schema does not name. A violation is a 400
/// <c>/problems/bad-request</c> before any handler runs, never a 500 from the database.
/// </summary>
public static class InputGuard
{
    /// <summary>Why <paramref name="text"/> is not acceptable, or null.</summary>
    public static string? Check(string text, int maxLength)
    {
        if (text.Length > maxLength)
        {
            return $"is longer than {maxLength} characters";
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < ' ' && c is not ('\t' or '\n' or '\r') || c is '\u007F')
            {
                return $"contains the control character U+{(int)c:X4}";
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"contains a lone surrogate U+{(int)c:X4}";
            }
        }

        return null;
    }

    /// <summary>The query string and the path: checked for every request, before routing.</summary>
    public static async Task Middleware(HttpContext context, Func<Task> next)
    {
        var limits = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<LimitsOptions>>().Value;
        string? problem = null;
        if (Check(context.Request.Path.Value ?? "", limits.MaxStringLength) is { } pathProblem)
        {
            problem = "The path " + pathProblem + ".";
        }
        else
        {
            foreach (var (key, values) in context.Request.Query)
            {
                if (Check(key, limits.MaxStringLength) is { } keyProblem)
                {
                    problem = "A query parameter name " + keyProblem + ".";
                    break;
                }

                foreach (var value in values)
                {
                    if (value is not null && Check(value, limits.MaxStringLength) is { } valueProblem)
                    {
                        problem = $"The query parameter '{RefusalExcerpt(key)}' {valueProblem}.";
                        break;
                    }
                }

                if (problem is not null)
                {
                    break;
                }
            }
        }

        if (problem is not null)
        {
            await ProblemWriter.WriteAsync(context, StatusCodes.Status400BadRequest, ProblemTypes.BadRequest, "The request could not be read", problem);
            return;
        }

        await next();
    }

    private static string RefusalExcerpt(string key) => Security.RefusalAudit.Excerpt(key, 64) ?? "";

    /// <summary>The JSON settings of every body: duplicate and unknown properties refused, every string checked.</summary>
    public static void Configure(JsonSerializerOptions options, int maxStringLength)
    {
        options.AllowDuplicateProperties = false;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.Converters.Insert(0, new CheckedStringConverter(maxStringLength));
    }

    private sealed class CheckedStringConverter(int maxLength) : JsonConverter<string>
    {
        public override bool HandleNull => false;

        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException($"Expected a string, found {reader.TokenType}.");
            }

            if (reader.ValueSpan.Length > maxLength * 6 + 6)
            {
                throw new JsonException($"A string is longer than {maxLength} characters.");
            }

            string value;
            try
            {
                value = reader.GetString()!;
            }
            catch (InvalidOperationException exception)
            {
                throw new JsonException(exception.Message); // a lone surrogate escaped in the JSON text
            }

            return Check(value, maxLength) is { } problem ? throw new JsonException("A string " + problem + ".") : value;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
