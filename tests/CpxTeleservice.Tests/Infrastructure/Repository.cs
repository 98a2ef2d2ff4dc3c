using CpxTeleservice.Domain;

namespace CpxTeleservice.Tests.Infrastructure;

/// <summary>Where the repository's own files are (the sample clients, the protos, openapi.yaml), found from the test binary.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "CpxTeleservice.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Test identifiers that pass their check digit.</summary>
public static class CheckDigit
{
    /// <summary><paramref name="stem"/> followed by the digit that makes the whole pass Luhn.</summary>
    public static string Luhn(string stem)
    {
        for (var digit = 0; digit < 10; digit++)
        {
            if (Identifiers.Luhn(stem + digit))
            {
                return stem + digit;
            }
        }

        throw new InvalidOperationException("unreachable: one digit always completes a Luhn number");
    }
}
