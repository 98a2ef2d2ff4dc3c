using System.Runtime.CompilerServices;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// Dapper maps <c>snake_case</c> columns to PascalCase members. Dapper caches each type's reader process-wide the first
/// time it maps a set of columns, so the setting must be on before any read, whoever makes it first (the host, or a test
/// that calls a reader without one): it is set when this assembly is loaded, not when the host is built.
/// </summary>
internal static class DapperNames
{
#pragma warning disable CA2255 // An application's assembly: the initializer is the point.
    [ModuleInitializer]
    internal static void MatchUnderscores() => Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
#pragma warning restore CA2255
}
