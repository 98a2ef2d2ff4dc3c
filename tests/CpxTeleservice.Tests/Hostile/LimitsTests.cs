using System.Net;
using System.Text;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Tests.Hostile;

/// <summary>A host with small limits, so that a test reaches them in a few requests (the rates are <see cref="RateLimitHost"/>'s:
/// a rate shared by the tests of one class would refuse whichever test came next).</summary>
public sealed class SmallLimitsHost : ServiceHost
{
    public SmallLimitsHost()
    {
        With("Limits:MaxDocumentsPerContract", "3");
        With("Limits:MaxStreamsPerConnection", "17");
        With("Limits:MaxConnections", "321");
    }
}

/// <summary>The limits README's "Limits" section lists, each reached and answered with its documented problem.</summary>
public class LimitsTests(SmallLimitsHost host) : IClassFixture<SmallLimitsHost>
{
    [Fact]
    public async Task JSON_body_over_the_limit_is_413_payload_too_large()
    {
        using var client = host.CreateClient(ServiceHost.Operator);
        var json = "{\"cardType\":\"" + new string(' ', 70_000) + "\"}";
        using var response = await client.PostAsync("/api/v1/admin/cards", new StringContent(json, Encoding.UTF8, "application/json"));
        await HttpAssert.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge);
    }

    [Fact]
    public async Task Body_of_another_content_type_is_415_unsupported_media_type()
    {
        using var client = host.CreateClient(ServiceHost.Operator);
        using var response = await client.PostAsync("/api/v1/admin/cards", new StringContent("cardType=CPE", Encoding.UTF8, "text/plain"));
        await HttpAssert.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType);
    }

    [Fact]
    public async Task A_contract_holds_at_most_the_configured_number_of_documents()
    {
        var structure = await new World(host).StructureAsync(approve: false);
        for (var i = 0; ; i++)
        {
            using var response = await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "identity-document", World.Pdf, "id.pdf");
            if (response.StatusCode != HttpStatusCode.Created)
            {
                await HttpAssert.ProblemAsync(response, HttpStatusCode.Conflict, ProblemTypes.ContractDocumentsLimit);
                Assert.Equal(3, i); // documents already there (World attached some) included
                break;
            }

            Assert.True(i < 3, "a fourth document was accepted");
        }
    }

    [Fact]
    public void Kestrel_connection_and_stream_limits_are_the_configured_ones()
    {
        var kestrel = host.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;
        Assert.Equal(321, kestrel.Limits.MaxConcurrentConnections);
        Assert.Equal(17, kestrel.Limits.Http2.MaxStreamsPerConnection);
        Assert.Equal(TimeSpan.FromSeconds(10), kestrel.Limits.RequestHeadersTimeout);
    }

    [Fact]
    public void At_most_the_configured_CSV_exports_run_at_once_per_caller_and_in_all()
    {
        var gate = new ExportGate(Options.Create(new LimitsOptions { ConcurrentExportsPerCaller = 2, ConcurrentExports = 3 }));
        using var a1 = gate.TryEnter("a");
        using var a2 = gate.TryEnter("a");
        Assert.NotNull(a1);
        Assert.NotNull(a2);
        Assert.Null(gate.TryEnter("a"));
        using var b1 = gate.TryEnter("b");
        Assert.NotNull(b1);
        Assert.Null(gate.TryEnter("c")); // three in all
        a1!.Dispose();
        using var a3 = gate.TryEnter("a");
        Assert.NotNull(a3);
    }

    [Fact]
    public async Task Limits_out_of_range_stop_the_start()
    {
        var invalid = new ServiceHost().With("Limits:MaxJsonBodyBytes", "0");
        try
        {
            var failure = await Assert.ThrowsAnyAsync<Exception>(invalid.InitializeAsync);
            Assert.Contains("MaxJsonBodyBytes", failure.ToString());
        }
        finally
        {
            await ((IAsyncLifetime)invalid).DisposeAsync();
        }
    }
}

/// <summary>The main pool exhausted, authentication still answers: it has a pool of its own.</summary>
public sealed class TinyPoolHost : ServiceHost
{
    protected override void OnDatabaseCreated(TestDatabase database)
    {
        // The main pool of two connections; migrations as the owner, as every host.
        With("ConnectionStrings:Postgres", database.RuntimeConnectionString + ";Maximum Pool Size=2;Timeout=30");
        With("ConnectionStrings:PostgresOwner", database.OwnerConnectionString);
    }
}

public class AuthenticationPoolTests(TinyPoolHost host) : IClassFixture<TinyPoolHost>
{
    [Fact]
    public async Task Refused_card_is_answered_and_audited_while_the_main_pool_is_exhausted()
    {
        var card = Registry.NewStaffCard();
        await Registry.AddCardAsync(host.Database.DataSource, card, "CPE", state: "opposition");
        var main = host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var held1 = await main.OpenConnectionAsync();
        await using var held2 = await main.OpenConnectionAsync();

        using var client = host.CreateClient(card);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me", timeout.Token), HttpStatusCode.Unauthorized, ProblemTypes.CardInOpposition);
    }
}
