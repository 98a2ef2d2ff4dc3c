using Microsoft.Extensions.Options;

namespace CpxTeleservice.Infrastructure;

/// <summary>Applies the migrations when the host starts, before Kestrel accepts a request.</summary>
internal sealed class MigrationHostedService(MigrationRunner runner, IOptions<DatabaseOptions> options, IHostEnvironment environment) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.MigrateOnStartup)
        {
            return;
        }

        await runner.ApplyAsync(MigrationFile.LoadFolder(options.Value.MigrationsFolder(environment)), cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
