namespace CpxTeleservice.Infrastructure;

/// <summary>The database's migrations.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Apply the migrations at start-up.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>The folder of the migrations; null means <c>migrations/</c> beside the binary.</summary>
    public string? MigrationsPath { get; set; }

    /// <summary>The migrations' folder, a relative setting resolved against the content root.</summary>
    public string MigrationsFolder(IHostEnvironment environment) =>
        MigrationsPath is { Length: > 0 } path
            ? Path.GetFullPath(path, environment.ContentRootPath)
            : Path.Combine(AppContext.BaseDirectory, "migrations");

    internal static IEnumerable<string> Errors(DatabaseOptions o) => [];
}
