using Microsoft.Extensions.Options;

namespace CpxTeleservice.Infrastructure;

/// <summary>An options validator whose failures are the messages a function returns, each naming its key.</summary>
internal sealed class ErrorsValidator<T>(string? name, Func<T, IEnumerable<string>> errors) : IValidateOptions<T>
    where T : class
{
    public ValidateOptionsResult Validate(string? optionsName, T options)
    {
        if (name is not null && name != optionsName)
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = errors(options).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
