namespace CpxTeleservice.Infrastructure;

/// <summary>A migration the runner refuses to apply, or a database it refuses to start on.</summary>
internal sealed class MigrationException(string message) : Exception(message);
