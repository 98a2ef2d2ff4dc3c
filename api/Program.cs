using CpxTeleservice;
using CpxTeleservice.Admin;
using CpxTeleservice.AuditReads;
using CpxTeleservice.Authorization;
using CpxTeleservice.Bench;
using CpxTeleservice.Departures;
using CpxTeleservice.Events;
using CpxTeleservice.Forms;
using CpxTeleservice.Health;
using CpxTeleservice.Intake;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Logging;
using CpxTeleservice.Me;
using CpxTeleservice.OpenApi;
using CpxTeleservice.Oppositions;
using CpxTeleservice.Orders;
using CpxTeleservice.Parc;
using CpxTeleservice.Problems;
using CpxTeleservice.Structures;
using CpxTeleservice.Telemetry;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(ServerStart.Options(args));
builder.AddCpxSettings();
builder.AddCpxServices();
builder.AddCpxTelemetry();
builder.AddCpxLogging();
builder.AddHealthApi();
builder.AddIntakeGrpc();
builder.AddCpxLimits();
var app = builder.Build();

if (args.Contains("migrate"))
{
    // `CpxTeleservice.Api migrate`: apply the migrations and exit, without serving.
    var applied = await app.Services.GetRequiredService<MigrationRunner>().ApplyAsync(
        MigrationFile.LoadFolder(app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrationsFolder(app.Environment)), CancellationToken.None);
    Console.WriteLine($"{applied} migration(s) applied.");
    return;
}

app.UseRequestLog();
app.UseRequestLocalization();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCpxInputGuard();
app.UseAuthentication();
app.UseCpxLimits();
app.UseCallerTags();
app.UseAuthorization();

app.MapHealthApi();
app.MapOpenApiDocument();
app.MapProblemPages();
app.MapCpxMetrics();
app.MapGroup("/api/v1")
    .RequireAuthorization()
    .AddEndpointFilter<AuditRefusalsFilter>()
    .MapMeApi()
    .MapStructuresApi()
    .MapMandatairesApi()
    .MapDeparturesApi()
    .MapOrdersApi()
    .MapFormsApi()
    .MapCardsApi()
    .MapAdminApi()
    .MapAuditApi()
    .MapWebhooksApi()
    .MapBenchApi();
app.MapOppositionsApi();
app.MapIntakeGrpc();
app.MapBenchGrpc();

app.Run();

/// <summary>The entry point, visible to the integration tests' host.</summary>
public partial class Program;
