using Microsoft.Extensions.Options;

namespace CpxTeleservice.Intake;

/// <summary>The intake's settings, section <c>Intake</c>: its sources and how records are batched.</summary>
public sealed class IntakeOptions
{
    public const string Section = "Intake";

    /// <summary><c>Intake__Sources__N__…</c>: who may stream records, and what they may register.</summary>
    public List<IntakeSource> Sources { get; set; } = [];

    /// <summary>Records are committed in batches of at most this many.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>…or after this delay, whichever comes first.</summary>
    public int BatchDelayMilliseconds { get; set; } = 50;

    /// <summary>What is wrong with the settings, each message naming its key; empty when they are usable.</summary>
    public IEnumerable<string> Errors()
    {
        if (BatchSize is < 1 or > 100_000)
        {
            yield return "Intake__BatchSize must be between 1 and 100000.";
        }

        if (BatchDelayMilliseconds is < 1 or > 60_000)
        {
            yield return "Intake__BatchDelayMilliseconds must be between 1 and 60000.";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Sources.Count; i++)
        {
            var source = Sources[i];
            var key = $"Intake__Sources__{i}";
            if (source.IdNatStruct.Length == 0)
            {
                yield return $"{key}__IdNatStruct is required.";
            }
            else if (!seen.Add(source.IdNatStruct))
            {
                yield return $"{key}__IdNatStruct: IdNat_Struct {source.IdNatStruct} is configured twice.";
            }

            if (source.Name.Length == 0)
            {
                yield return $"{key}__Name is required.";
            }

            if (!Enum.IsDefined(source.Kind))
            {
                yield return $"{key}__Kind must be ordre or ars.";
            }

            if (source.Certificates.Count == 0)
            {
                yield return $"{key}__Certificates__0 is required: the CN=<subject CN> or serial=<hex> of the certificate that speaks for the source.";
            }

            for (var j = 0; j < source.Certificates.Count; j++)
            {
                if (!CertificateSelector.TryParse(source.Certificates[j], out _))
                {
                    yield return $"{key}__Certificates__{j} must be CN=<subject CN> or serial=<hexadecimal serial number>.";
                }
            }

            if (source.Kind == IntakeKind.Ars && source.Departements.Count == 0)
            {
                yield return $"{key} is an ARS: list its départements ({key}__Departements__0, …).";
            }
        }
    }
}

/// <summary>The gRPC server's settings, section <c>Grpc</c>.</summary>
public sealed class GrpcOptions
{
    public const string Section = "Grpc";

    /// <summary>gRPC's default receive limit, 4 MiB.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>The largest message a client may send, in bytes, after decompression; larger is RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = DefaultMaxReceiveMessageSize;

    public IEnumerable<string> Errors()
    {
        if (MaxReceiveMessageSize is < 1024 or > 64 * 1024 * 1024)
        {
            yield return "Grpc__MaxReceiveMessageSize must be between 1024 and 67108864 bytes.";
        }
    }
}

/// <summary>Validation of an options class by its <c>Errors()</c>, each message naming the key at fault.</summary>
internal static class OptionsValidation
{
    public static OptionsBuilder<T> ValidateErrors<T>(this OptionsBuilder<T> builder, Func<T, IEnumerable<string>> errors)
        where T : class
    {
        builder.Services.AddSingleton<IValidateOptions<T>>(new Validator<T>(builder.Name, errors));
        return builder;
    }

    private sealed class Validator<T>(string? name, Func<T, IEnumerable<string>> errors) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? optionsName, T options)
        {
            if (name is not null && name != optionsName)
            {
                return ValidateOptionsResult.Skip;
            }

            var found = errors(options).ToList();
            return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
        }
    }
}
