using Microsoft.Extensions.Options;

namespace CpxTeleservice.Infrastructure;

internal static class OptionsBuilderExtensions
{
    /// <summary>
    /// Binds a settings group from its configuration section: a key the group does not have, or a value
    /// that does not convert, fails with a message naming the key.
    /// </summary>
    public static OptionsBuilder<T> BindSection<T>(this OptionsBuilder<T> builder, IConfiguration configuration, string section)
        where T : class =>
        builder.Bind(configuration.GetSection(section), binder => binder.ErrorOnUnknownConfiguration = true);

    /// <summary>Validates a settings group with a function that names each wrong key (empty: valid).</summary>
    public static OptionsBuilder<T> ValidateErrors<T>(this OptionsBuilder<T> builder, Func<T, IEnumerable<string>> errors)
        where T : class
    {
        builder.Services.AddSingleton<IValidateOptions<T>>(new ErrorsValidator<T>(builder.Name, errors));
        return builder;
    }
}
