using CpxTeleservice.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CpxTeleservice.Health;

public sealed record HealthStatus(string Status);
