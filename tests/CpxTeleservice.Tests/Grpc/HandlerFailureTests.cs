using System.Collections.Concurrent;
using CpxTeleservice.Intake;
using Grpc.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CpxTeleservice.Tests.Grpc;

/// <summary>
/// The intake whose records go to a database the run's PostgreSQL does not have: every batch fails with
/// an error that is the server's answer, not an outage (which would be UNAVAILABLE). Every log entry is kept.
/// </summary>
public sealed class BrokenDatabaseHost : IntakeHost
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message, Exception? Exception)> Log { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services =>
        {
            // PostgreSQL answers 3D000 (invalid_catalog_name) to every connection.
            var missing = new NpgsqlConnectionStringBuilder(CpxTeleservice.Tests.Infrastructure.TestDatabase.AdminConnectionString) { Database = "cpx_no_such_database" };
            services.AddSingleton(provider => new IntakeLedger(
                NpgsqlDataSource.Create(missing.ConnectionString), provider.GetRequiredService<ILogger<IntakeLedger>>()));
            services.AddSingleton<ILoggerProvider>(new QueueLoggerProvider(Log));
        });
    }

    private sealed class QueueLoggerProvider(ConcurrentQueue<(string, LogLevel, string, Exception?)> queue) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new QueueLogger(categoryName, queue);

        public void Dispose()
        {
        }
    }

    private sealed class QueueLogger(string category, ConcurrentQueue<(string, LogLevel, string, Exception?)> queue) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            queue.Enqueue((category, logLevel, formatter(state, exception), exception));
    }
}

public class HandlerFailureTests(BrokenDatabaseHost host) : IClassFixture<BrokenDatabaseHost>
{
    [Fact]
    public async Task Handler_failure_is_UNKNOWN_without_detail_and_the_log_has_the_exception()
    {
        using var channel = host.Channel(GrpcChannels.Organisation(IntakeHost.OrdreIdNatStruct, IntakeHost.CertificateName));
        var record = new CpxTeleservice.Intake.V1.ProfessionalRegistration
        {
            RecordId = "failure-1", Version = 1, Event = CpxTeleservice.Intake.V1.RegistrationEvent.Inscription, Rpps = "10000000008",
            Identity = new CpxTeleservice.Intake.V1.Identity { NomExercice = "DURAND", Prenom = "LEA" },
            Exercise = new CpxTeleservice.Intake.V1.Exercise { Profession = "60", CategorieProfessionnelle = "C" },
        };

        var failure = await Assert.ThrowsAsync<RpcException>(() => channel.StreamAsync(IntakeMethods.StreamRegistrations, [record]));

        Assert.Equal(StatusCode.Unknown, failure.StatusCode);
        Assert.Equal(HandlerFailureInterceptor.Message, failure.Status.Detail);
        Assert.DoesNotContain("127.0.0.1", failure.Status.Detail + string.Join(",", failure.Trailers.Select(t => t.Value)));
        Assert.Contains(host.Log, e => e.Category == typeof(HandlerFailureInterceptor).FullName && e.Level == LogLevel.Error
            && e.Message.Contains("StreamRegistrations") && e.Exception is NpgsqlException);
    }
}
