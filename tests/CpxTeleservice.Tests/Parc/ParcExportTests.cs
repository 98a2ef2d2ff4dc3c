using System.Net;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Parc;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;

namespace CpxTeleservice.Tests.Parc;

/// <summary>
/// The CSV export (seed 004 §5, "exporter le parc"): every card of the selection once, in id order, across the keyset
/// chunks it is read in while the chunk before is written (api/Parc/ParcExport.cs); refused to a caller who does not act
/// for the structure; a download stopped midway leaves nothing open.
/// </summary>
public class ParcExportTests(ServiceHost host) : IClassFixture<ServiceHost>, IDisposable
{
    private readonly World _world = new(host);
    private readonly CommandSpans _spans = new();

    public void Dispose()
    {
        _spans.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Adds <paramref name="count"/> active CPE cards to the structure, held by its legal representative; returns every card of
    /// its parc (the legal representative's own card too) in PostgreSQL's id order, the export's.
    /// </summary>
    private async Task<List<Guid>> AddCardsAsync(World.StructureActors structure, int count, string serialPrefix)
    {
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO cards (id, card_type, serial, holder_id, structure_id, state, valid_from, valid_until)
            SELECT gen_random_uuid(), 'CPE', @serialPrefix || lpad(g::text, 7, '0'), s.legal_representative_id, s.id, 'active', now(), now() + interval '3 years'
            FROM structures s, generate_series(1, @count) g WHERE s.id = @structureId
            """, new { structureId = structure.StructureId, count, serialPrefix }, commandTimeout: 120));
        return (await connection.QueryAsync<Guid>("SELECT id FROM cards WHERE structure_id = @structureId ORDER BY id", new { structureId = structure.StructureId })).ToList();
    }

    private static HttpRequestMessage Export(Guid structureId, string query = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/structures/{structureId}/cards{query}");
        request.Headers.Accept.ParseAdd("text/csv");
        return request;
    }

    private static async Task<string[]> LinesAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
    }

    [Theory]
    [InlineData(2 * CardReader.ExportChunk, "71")] // the last chunk full: the read after it finds nothing
    [InlineData(2 * CardReader.ExportChunk + 1, "72")]
    public async Task Export_over_several_chunks_holds_every_card_of_the_parc_once_in_id_order(int cards, string serialPrefix)
    {
        var structure = await _world.StructureAsync();
        var ids = await AddCardsAsync(structure, cards, serialPrefix);

        using var request = Export(structure.StructureId);
        using var response = await structure.LegalRepresentativeClient.SendAsync(request);
        var lines = await LinesAsync(response);

        Assert.StartsWith("id,card_type,serial,state,", lines[0]);
        Assert.Equal(ids, lines.Skip(1).Select(l => Guid.Parse(l[..36])).ToList());
    }

    [Fact]
    public async Task Export_is_refused_to_a_caller_who_acts_not_for_the_structure_and_an_empty_selection_is_its_header_alone()
    {
        var structure = await _world.StructureAsync();
        var other = await _world.StructureAsync();
        await AddCardsAsync(structure, 3, "73");

        using (var request = Export(structure.StructureId))
        {
            await HttpAssert.ProblemAsync(await other.LegalRepresentativeClient.SendAsync(request), HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        }

        using (var request = Export(structure.StructureId, "?holder=NOBODY-OF-THIS-NAME"))
        {
            var lines = await LinesAsync(await structure.LegalRepresentativeClient.SendAsync(request));
            Assert.StartsWith("id,card_type,serial,state,", Assert.Single(lines));
        }
    }

    [Fact]
    public async Task Export_of_a_parc_with_cards_reads_no_role_apart_from_its_first_chunk()
    {
        var structure = await _world.StructureAsync();
        var ids = await AddCardsAsync(structure, 3, "74");
        var path = $"/api/v1/structures/{structure.StructureId}/cards";

        var (withCards, commands) = await _spans.SendTracedAsync(structure.LegalRepresentativeClient, HttpMethod.Get, path,
            r => r.Headers.Accept.ParseAdd("text/csv"), CommandSpans.ServicePool);
        Assert.Equal(ids.Count + 1, (await LinesAsync(withCards)).Length);
        Assert.True(commands.Count(c => (c.GetTagItem("db.query.text") as string)?.Contains("caller_structures(", StringComparison.Ordinal) == true) == 1,
            CommandSpans.Texts(commands));

        var (empty, emptyCommands) = await _spans.SendTracedAsync(structure.LegalRepresentativeClient, HttpMethod.Get, path + "?holder=NOBODY-OF-THIS-NAME",
            r => r.Headers.Accept.ParseAdd("text/csv"), CommandSpans.ServicePool);
        Assert.Single(await LinesAsync(empty));
        Assert.True(emptyCommands.Count(c => (c.GetTagItem("db.query.text") as string)?.Contains("caller_structures(", StringComparison.Ordinal) == true) == 2,
            CommandSpans.Texts(emptyCommands));
    }

    [Theory]
    [InlineData("2.0", "75")]
    [InlineData("1.1", "76")]
    public async Task Export_stopped_by_its_client_midway_leaves_no_transaction_open_and_the_next_one_is_whole(string version, string serialPrefix)
    {
        var structure = await _world.StructureAsync();
        var ids = await AddCardsAsync(structure, 12 * CardReader.ExportChunk, serialPrefix);
        using var client = host.CreateClient(host.Pki.Card(structure.LegalRepresentative, CpxTeleservice.DevPki.CardCertificateUsage.Authentication), new Version(version));

        using (var request = Export(structure.StructureId))
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync();
            Assert.True(await body.ReadAsync(new byte[8192]) > 0);
        }

        // The export's snapshot ends with the download: no backend stays in its transaction.
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        var open = -1;
        for (var attempt = 0; attempt < 100 && open != 0; attempt++)
        {
            await Task.Delay(100);
            open = await connection.ExecuteScalarAsync<int>(
                """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle' AND query LIKE '%caller_structures(%' AND query LIKE '%ORDER BY id LIMIT%'
                """);
        }

        Assert.Equal(0, open);
        using var again = Export(structure.StructureId);
        var lines = await LinesAsync(await client.SendAsync(again));
        Assert.Equal(ids, lines.Skip(1).Select(l => Guid.Parse(l[..36])).ToList());
    }
}
