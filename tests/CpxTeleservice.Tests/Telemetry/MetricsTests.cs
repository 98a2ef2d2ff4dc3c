using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Intake.V1;
using CpxTeleservice.Parc;
using CpxTeleservice.Tests.Events;
using CpxTeleservice.Tests.Grpc;
using CpxTeleservice.Tests.Infrastructure;
using IntakeHost = CpxTeleservice.Tests.Intake.IntakeHost;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.Telemetry;

/// <summary>
/// /metrics in Prometheus text format: each of the service's counters moves with what it counts, and
/// only an operator's card or a configured network may scrape. Request spans carry the caller's IdNat
/// and the structure, never a name.
/// </summary>
public partial class MetricsTests(IntakeHost host) : IClassFixture<IntakeHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task Each_service_counter_moves_after_the_action_it_counts()
    {
        var before = await ScrapeAsync(_world.Operator);

        // An order placed, and one refused.
        var structure = await _world.StructureAsync();
        await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created);
        await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, new { cardType = "CPA", holder = new { nom = "A", prenom = "B" } });
        // An authentication refused.
        using (var anonymous = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null))
        {
            await anonymous.GetAsync("/api/v1/me");
        }

        // An opposition.
        var card = Registry.NewStaffCard(structure.Finess, "OPPOSEE");
        var cardId = await _world.RegisterCardAsync(card, "CPE", structure.StructureId);
        using (var opposition = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cards/{cardId}/opposition") { Content = JsonContent.Create(new { reason = "lost" }) })
        {
            opposition.Headers.TryAddWithoutValidation("If-Match", "*");
            await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.SendAsync(opposition));
        }

        // A renewal pass, and an intake record (rejected: it carries no registration).
        await host.Services.GetRequiredService<RenewalJob>().RunOnceAsync(CancellationToken.None);
        using (var organisation = GrpcChannels.Organisation(IntakeHost.OrdreOu, "INTAKE TEST"))
        using (var channel = host.Channel(organisation))
        {
            var acks = await channel.StreamAsync(IntakeMethods.StreamRegistrations, [new ProfessionalRegistration { RecordId = "metrics-1", Version = 1 }]);
            Assert.Single(acks);
        }

        var after = await ScrapeAsync(_world.Operator);
        Assert.True(Sum(after, "cpx_orders_placed", "outcome=\"placed\"") > Sum(before, "cpx_orders_placed", "outcome=\"placed\""), Dump(after));
        Assert.True(Sum(after, "cpx_orders_placed", "outcome=\"refused:card-type-not-orderable\"") > Sum(before, "cpx_orders_placed", "outcome=\"refused:card-type-not-orderable\""), Dump(after));
        Assert.True(Sum(after, "cpx_authentication_refusals", "reason=\"certificate-required\"") > Sum(before, "cpx_authentication_refusals", "reason=\"certificate-required\""), Dump(after));
        Assert.True(Sum(after, "cpx_oppositions", "reason=\"lost\"") > Sum(before, "cpx_oppositions", "reason=\"lost\""), Dump(after));
        Assert.True(Sum(after, "cpx_renewal_runs", "outcome=\"ok\"") > Sum(before, "cpx_renewal_runs", "outcome=\"ok\""), Dump(after));
        Assert.True(Sum(after, "cpx_intake_records", "outcome=\"rejected\"") > Sum(before, "cpx_intake_records", "outcome=\"rejected\""), Dump(after));
        // The built-in meters are there too: ASP.NET Core's requests and Npgsql's commands.
        Assert.True(Sum(after, "http_server_request_duration", "") > 0, Dump(after));
        Assert.True(Sum(after, "db_client_operation_duration", "") > 0, Dump(after));
    }

    [Fact]
    public async Task A_radiation_counts_the_cards_it_puts_in_opposition()
    {
        var rpps = CheckDigit.Luhn((3_000_000_000L + Random.Shared.Next(1, 900_000_000)).ToString(CultureInfo.InvariantCulture));
        var card = new CpxTeleservice.DevPki.CardIdentity("8" + rpps, "SOIGNANT", "ALEX", 0, Registry.NextSerial(), Profession: 60, Title: "Infirmier");
        await Registry.AddCardAsync(host.Database.DataSource, card, "CPS");
        var before = await ScrapeAsync(_world.Operator);

        using (var organisation = GrpcChannels.Organisation(IntakeHost.OrdreOu, "INTAKE TEST"))
        using (var channel = host.Channel(organisation))
        {
            var acks = await channel.StreamAsync(IntakeMethods.StreamRegistrations, [new ProfessionalRegistration
            {
                RecordId = "radiation-" + rpps, Version = 1, Rpps = rpps, Event = RegistrationEvent.Radiation,
                TransmittedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow),
            }]);
            Assert.Equal(AckOutcome.Accepted, Assert.Single(acks).Outcome);
        }

        var after = await ScrapeAsync(_world.Operator);
        // At least this one (the meter is the process's: another test's radiation may run meanwhile).
        Assert.True(Sum(after, "cpx_oppositions", "reason=\"radiation\"") >= Sum(before, "cpx_oppositions", "reason=\"radiation\"") + 1, Dump(after));
    }

    [Fact]
    public async Task Renewal_orders_created_by_the_job_are_counted()
    {
        var structure = await _world.StructureAsync();
        var before = await ScrapeAsync(_world.Operator);
        await Registry.AddCardAsync(host.Database.DataSource, Registry.NewProfessionalCard(), "CPS", structure.StructureId, validUntil: DateTimeOffset.UtcNow.AddDays(10));
        var created = await host.Services.GetRequiredService<RenewalJob>().RunOnceAsync(CancellationToken.None);
        var after = await ScrapeAsync(_world.Operator);
        Assert.True(created > 0);
        Assert.True(Sum(after, "cpx_renewal_orders", "") >= Sum(before, "cpx_renewal_orders", "") + created, Dump(after));
    }

    [Fact]
    public async Task A_departure_counts_every_card_it_puts_in_opposition()
    {
        var structure = await _world.StructureAsync();
        var leaver = Registry.NewStaffCard(structure.Finess, "PARTANT");
        await _world.RegisterCardAsync(leaver, "CPE", structure.StructureId);
        await _world.RegisterCardAsync(leaver with { CardSerial = Registry.NextSerial() }, "CPE", structure.StructureId);
        var before = await ScrapeAsync(_world.Operator);

        using var departure = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/structures/{structure.StructureId}/departures")
        {
            Content = JsonContent.Create(new { idNat = leaver.IdNat }),
        };
        departure.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var body = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.SendAsync(departure));
        Assert.Equal(2, body.GetProperty("opposedCards").GetArrayLength());

        var after = await ScrapeAsync(_world.Operator);
        Assert.True(Sum(after, "cpx_oppositions", "reason=\"holder-left\"") >= Sum(before, "cpx_oppositions", "reason=\"holder-left\"") + 2, Dump(after));
    }

    [Fact]
    public async Task Webhook_deliveries_are_counted_by_outcome_delivered_and_failed()
    {
        var structure = await _world.StructureAsync();
        var client = structure.LegalRepresentativeClient;
        await using var accepting = new WebhookReceiver();
        accepting.Start();
        await using var refusing = new WebhookReceiver
        {
            Respond = context =>
            {
                context.Response.StatusCode = 503;
                return Task.CompletedTask;
            },
        };
        refusing.Start();
        var before = await ScrapeAsync(_world.Operator);
        foreach (var receiver in new[] { accepting, refusing })
        {
            await HttpAssert.JsonAsync(await client.PostAsJsonAsync($"/api/v1/structures/{structure.StructureId}/webhooks", new { url = receiver.Url }),
                HttpStatusCode.Created);
        }

        // An event for both: one receiver acknowledges it, the other answers 503 (retried later).
        await HttpAssert.JsonAsync(await World.OrderAsync(client, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        List<string> after;
        while (true)
        {
            after = await ScrapeAsync(_world.Operator);
            if (Sum(after, "cpx_webhook_deliveries", "outcome=\"delivered\"") > Sum(before, "cpx_webhook_deliveries", "outcome=\"delivered\"")
                && Sum(after, "cpx_webhook_deliveries", "outcome=\"failed:http-status\"") > Sum(before, "cpx_webhook_deliveries", "outcome=\"failed:http-status\""))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for both outcomes to be counted\n" + Dump(after));
            await Task.Delay(100);
        }

        Assert.Contains(accepting.Deliveries, d => d.Type == "order.placed");
    }

    [Fact]
    public async Task Metrics_are_refused_without_a_card_and_to_a_card_that_is_not_an_operators()
    {
        using var anonymous = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        await HttpAssert.ProblemAsync(await anonymous.GetAsync("/metrics"), HttpStatusCode.Unauthorized, ProblemTypes.CertificateRequired);
        var structure = await _world.StructureAsync();
        await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.GetAsync("/metrics"), HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
    }

    [Fact]
    public async Task A_request_span_carries_the_callers_IdNat_and_the_structure_and_no_name()
    {
        var structure = await _world.StructureAsync();
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (spans) { spans.Add(activity); } },
        };
        ActivitySource.AddActivityListener(listener);
        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}"));

        // The server's span stops once the response is written, which may be just after the client has read it.
        Activity? span = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(10); span is null && DateTime.UtcNow < deadline; await Task.Delay(20))
        {
            lock (spans)
            {
                span = spans.SingleOrDefault(s => s.GetTagItem("cpx.structure.id") as string == structure.StructureId.ToString());
            }
        }

        Assert.NotNull(span);

        Assert.Equal(structure.LegalRepresentative.IdNat, span.GetTagItem("cpx.caller.idnat"));
        Assert.DoesNotContain(span.TagObjects, t => t.Value is string value
            && (value.Contains(structure.LegalRepresentative.Nom, StringComparison.Ordinal) || value.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal)));
    }

    private async Task<List<string>> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return [.. body.Split('\n').Where(l => l.Length > 0 && l[0] != '#')];
    }

    /// <summary>The sum of the samples of a metric family (prometheus-net prefixes the meter's name and adds <c>_total</c> to counters) whose labels contain <paramref name="label"/>.</summary>
    private static double Sum(List<string> lines, string family, string label) => lines
        .Select(l => Sample().Match(l))
        .Where(m => m.Success && m.Groups["name"].Value.Contains(family, StringComparison.Ordinal) && !m.Groups["name"].Value.EndsWith("_bucket", StringComparison.Ordinal)
            && m.Groups["labels"].Value.Contains(label, StringComparison.Ordinal))
        .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    private static string Dump(List<string> lines) => string.Join("\n", lines.Where(l => l.Contains("cpx_", StringComparison.Ordinal) && !l.Contains("npgsql", StringComparison.Ordinal)).Take(40)) + $"\n({lines.Count} samples)";

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{[^}]*\})?\s+(?<value>\S+)")]
    private static partial Regex Sample();
}
