using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Intake.V1;
using CpxTeleservice.Tests.Grpc;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;

namespace CpxTeleservice.Tests.Intake;

/// <summary>A service with one Ordre and one ARS configured as intake sources.</summary>
public sealed class IntakeHost : ServiceHost
{
    public const string OrdreOu = "2775672272";
    public const string ArsOu = "2130009996";

    public IntakeHost()
    {
        With("Intake:Sources:0:IdNatStruct", OrdreOu);
        With("Intake:Sources:0:Certificates:0", "CN=INTAKE TEST");
        With("Intake:Sources:0:Kind", "ordre");
        With("Intake:Sources:0:Name", "ORDRE DE TEST");
        With("Intake:Sources:0:Professions:0", "60");
        With("Intake:Sources:0:Professions:1", "10");
        With("Intake:Sources:1:IdNatStruct", ArsOu);
        With("Intake:Sources:1:Certificates:0", "CN=INTAKE TEST");
        With("Intake:Sources:1:Kind", "ars");
        With("Intake:Sources:1:Name", "ARS DE TEST");
        With("Intake:Sources:1:Professions:0", "60");
        With("Intake:Sources:1:Departements:0", "75");
        With("Intake:Sources:1:Departements:1", "92");
        With("Intake:BatchSize", "500");
    }
}

/// <summary>
/// The intake semantics (contract.md, gRPC intake) end to end over mutual TLS with organisation
/// certificates, checked against PostgreSQL: the rules with Grpc.Net.Client in this process, the
/// large streams and resends with the repository's sample clients (samples/python/stream_records.py
/// on Debian's python3-grpcio, samples/node/stream-records.js on @grpc/grpc-js).
/// </summary>
public class IntakeTests(IntakeHost host) : IClassFixture<IntakeHost>
{
    private static int _rpps = 100_000;

    /// <summary>A new RPPS number that passes the Luhn check.</summary>
    private static string NewRpps() => CheckDigit.Luhn((2_000_000_000L + Interlocked.Increment(ref _rpps) * 7).ToString());

    private (string Cert, string Key) Organisation(string name, string ou)
    {
        var issued = CpxTeleservice.DevPki.Pki.IssueOrganisation(host.Pki.OrganisationCa, name, ou, "INTAKE TEST");
        var folder = Directory.CreateTempSubdirectory("cpx-org-").FullName;
        File.WriteAllText(Path.Combine(folder, "org.crt"), issued.CertificatePem);
        File.WriteAllText(Path.Combine(folder, "org.key"), issued.KeyPem);
        return (Path.Combine(folder, "org.crt"), Path.Combine(folder, "org.key"));
    }

    private sealed record Run(int ExitCode, List<JsonElement> Acks, string Errors);

    /// <summary>
    /// Streams the records (anonymous objects in the protobuf JSON mapping) with <paramref name="client"/>:
    /// "dotnet" is Grpc.Net.Client in this process; "python" and "node" run the repository's sample clients.
    /// </summary>
    private async Task<Run> StreamAsync(string client, string service, (string Cert, string Key) organisation, IEnumerable<object> records, int from = 1)
    {
        if (client == "dotnet")
        {
            return await StreamInProcessAsync(service, organisation, records.Skip(from - 1).Select(r => JsonSerializer.Serialize(r)).ToList());
        }

        var file = Path.Combine(Directory.CreateTempSubdirectory("cpx-records-").FullName, "records.jsonl");
        await File.WriteAllLinesAsync(file, records.Select(r => JsonSerializer.Serialize(r)));
        var (program, script) = client == "python"
            ? ("/usr/bin/python3", Repository.File("samples", "python", "stream_records.py"))
            : ("node", Repository.File("samples", "node", "stream-records.js"));
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     script, "--target", $"127.0.0.1:{host.BaseAddress.Port}", "--ca", PemOf(host.Pki.Root), "--cert", organisation.Cert, "--key", organisation.Key,
                     "--service", service, "--from", from.ToString(), "--timeout", "300", file,
                 })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var acks = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        return new Run(process.ExitCode, acks, await stderr);
    }

    private async Task<Run> StreamInProcessAsync(string service, (string Cert, string Key) organisation, List<string> lines)
    {
        using var pem = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(organisation.Cert, organisation.Key);
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(
            pem.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
        using var channel = host.Channel(certificate);
        var acks = new List<Google.Protobuf.IMessage>();
        try
        {
            switch (service)
            {
                case "ordre":
                    acks.AddRange(await channel.StreamAsync(IntakeMethods.StreamRegistrations, lines.Select(Google.Protobuf.JsonParser.Default.Parse<ProfessionalRegistration>)));
                    break;
                case "ars-adeli":
                    acks.AddRange(await channel.StreamAsync(IntakeMethods.StreamAdeliRegistrations, lines.Select(Google.Protobuf.JsonParser.Default.Parse<AdeliRegistration>)));
                    break;
                case "ars-visa":
                    acks.AddRange(await channel.StreamAsync(IntakeMethods.StreamVisaDecisions, lines.Select(Google.Protobuf.JsonParser.Default.Parse<VisaDecision>)));
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(service));
            }
        }
        catch (global::Grpc.Core.RpcException exception)
        {
            // The gRPC name of the status, as the sample clients print it (e.g. PERMISSION_DENIED).
            var name = System.Text.RegularExpressions.Regex.Replace(exception.StatusCode.ToString(), "(?<=[a-z])(?=[A-Z])", "_").ToUpperInvariant();
            return new Run(1, [], $"{name}: {exception.Status.Detail}");
        }

        return new Run(0, acks.Select(a => JsonDocument.Parse(Google.Protobuf.JsonFormatter.Default.Format(a)).RootElement).ToList(), "");
    }

    private static string PemOf(CpxTeleservice.DevPki.IssuedCertificate certificate)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cpx-root-{certificate.Certificate.Thumbprint}.pem");
        if (!File.Exists(path))
        {
            File.WriteAllText(path, certificate.CertificatePem);
        }

        return path;
    }

    private static object Registration(string recordId, long version, string rpps, string evt = "INSCRIPTION", string profession = "60",
        string categorie = "C", string nom = "SOIGNANT", string departement = "75") => new
    {
        recordId, version = version.ToString(), @event = evt, rpps,
        identity = new { nomExercice = nom, prenom = "ALEX", civilite = "MME" },
        exercise = new
        {
            profession, categorieProfessionnelle = categorie, modeExercice = "L",
            place = new { raisonSociale = "CABINET", address = new { lines = new[] { "1 RUE DE LA PAIX" }, codePostal = "75002", commune = "PARIS", departement } },
        },
        correspondenceAddress = new { lines = new[] { "1 RUE DE LA PAIX" }, codePostal = "75002", commune = "PARIS", departement },
        transmittedAt = "2026-04-30T08:00:00Z",
    };

    private static string Outcome(JsonElement ack) => ack.GetProperty("outcome").GetString()!;

    private static string? Get(JsonElement ack, string name) => ack.TryGetProperty(name, out var value) ? value.GetString() : null;

    private async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException("no value");
    }

    [Fact]
    public async Task Ordre_streams_10000_registrations_with_python_grpcio_every_ack_in_order_and_every_order_in_PostgreSQL_then_resends_without_double_effects()
    {
        var ordre = Organisation("ORDRE DE TEST", IntakeHost.OrdreOu);
        var prefix = "bulk-" + Guid.NewGuid().ToString("N")[..8] + "-";
        var records = Enumerable.Range(0, 10_000).Select(i => i switch
        {
            4_999 => Registration(prefix + i, 1, "12345678901"),            // a bad RPPS (fails Luhn), in the middle
            7_000 => Registration(prefix + i, 1, NewRpps(), profession: "40"), // chirurgien-dentiste: not this Ordre's
            _ => Registration(prefix + i, 1, NewRpps()),
        }).ToList();

        var run = await StreamAsync("python", "ordre", ordre, records);
        Assert.True(run.ExitCode == 0, run.Errors);
        Assert.Equal(10_000, run.Acks.Count);
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => prefix + i), run.Acks.Select(a => Get(a, "recordId")));
        Assert.Equal("REJECTED", Outcome(run.Acks[4_999]));
        Assert.Equal("rpps-invalid", Get(run.Acks[4_999], "reasonCode"));
        Assert.Equal("rpps", Get(run.Acks[4_999], "field"));
        Assert.Equal("REJECTED", Outcome(run.Acks[7_000]));
        Assert.Equal("profession-not-allowed", Get(run.Acks[7_000], "reasonCode"));
        Assert.Equal("exercise.profession", Get(run.Acks[7_000], "field"));
        var accepted = run.Acks.Where(a => Outcome(a) == "ACCEPTED").ToList();
        Assert.Equal(9_998, accepted.Count);

        // Every accepted inscription is a CPS order in PostgreSQL, dossier complete at the transmission.
        var orderIds = accepted.Select(a => Guid.Parse(Get(a, "orderId")!)).ToArray();
        Assert.Equal(9_998, await ScalarAsync<long>(
            """
            SELECT count(*) FROM orders o JOIN persons p ON p.id = o.holder_id
            WHERE o.id = ANY(@orderIds) AND o.source = @source AND o.card_type = 'CPS' AND o.state = 'submitted'
              AND o.dossier_complete_at = '2026-04-30T08:00:00Z' AND p.id_nat LIKE '8%' AND p.nom = 'SOIGNANT'
            """, new { orderIds, source = IntakeHost.OrdreOu }));
        var ledger = await ScalarAsync<long>("SELECT count(*) FROM intake_records WHERE record_id LIKE @p", new { p = prefix + "%" });
        Assert.Equal(9_998, ledger);

        // The connection drops after the 6000th ack: the client resends everything from there.
        var resend = await StreamAsync("python", "ordre", ordre, records, from: 6_001);
        Assert.True(resend.ExitCode == 0, resend.Errors);
        Assert.Equal(4_000, resend.Acks.Count);
        Assert.All(resend.Acks.Where((_, i) => i != 1_000), a => Assert.Equal("DUPLICATE", Outcome(a)));
        Assert.Equal("REJECTED", Outcome(resend.Acks[1_000]));
        Assert.Equal(9_998, await ScalarAsync<long>("SELECT count(*) FROM orders WHERE source = @source AND holder_id IN (SELECT holder_id FROM orders WHERE id = ANY(@orderIds))",
            new { source = IntakeHost.OrdreOu, orderIds }));
        Assert.Equal(ledger, await ScalarAsync<long>("SELECT count(*) FROM intake_records WHERE record_id LIKE @p", new { p = prefix + "%" }));
    }

    [Fact]
    public async Task Node_grpc_js_sample_streams_registrations_and_gets_one_ack_per_record_in_order()
    {
        var ordre = Organisation("ORDRE DE TEST", IntakeHost.OrdreOu);
        var prefix = "node-" + Guid.NewGuid().ToString("N")[..8] + "-";
        var records = Enumerable.Range(0, 1_000).Select(i => Registration(prefix + i, 1, NewRpps())).ToList();
        var run = await StreamAsync("node", "ordre", ordre, records);
        Assert.True(run.ExitCode == 0, run.Errors);
        Assert.Equal(Enumerable.Range(0, 1_000).Select(i => prefix + i), run.Acks.Select(a => Get(a, "recordId")));
        Assert.All(run.Acks, a => Assert.Equal("ACCEPTED", Outcome(a)));
        var again = await StreamAsync("node", "ordre", ordre, records.Take(10));
        Assert.All(again.Acks, a => Assert.Equal("DUPLICATE", Outcome(a)));
    }

    [Fact]
    public async Task Modification_updates_the_holder_a_superseded_version_is_duplicate_one_never_applied_is_stale_and_no_second_order_is_created()
    {
        var ordre = Organisation("ORDRE DE TEST", IntakeHost.OrdreOu);
        var rpps = NewRpps();
        var id = "mod-" + rpps;
        var run = await StreamAsync("dotnet", "ordre", ordre, [
            Registration(id, 1, rpps),
            Registration(id, 3, rpps, "MODIFICATION", nom: "NOUVEAU-NOM"),
            Registration(id, 1, rpps),
            Registration(id, 2, rpps, "MODIFICATION", nom: "ANCIEN-NOM"),
            Registration(id, 3, rpps, "MODIFICATION", nom: "NOUVEAU-NOM"),
            Registration(id + "-again", 1, rpps, nom: "NOUVEAU-NOM"),
        ]);
        // Version 1 was applied, then superseded: DUPLICATE. Version 2 never was, and 3 stands: STALE.
        Assert.Equal(["ACCEPTED", "ACCEPTED", "DUPLICATE", "STALE", "DUPLICATE", "ACCEPTED"], run.Acks.Select(Outcome));
        Assert.NotEmpty(Get(run.Acks[0], "orderId") ?? "");
        Assert.Equal(Get(run.Acks[0], "orderId"), Get(run.Acks[2], "orderId"));
        Assert.Equal("NOUVEAU-NOM", await ScalarAsync<string>("SELECT nom FROM persons WHERE id_nat = @idNat", new { idNat = "8" + rpps }));
        // A second inscription of a professional with a live order orders nothing more.
        Assert.Null(Get(run.Acks[5], "orderId") is { Length: > 0 } o ? o : null);
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM orders o JOIN persons p ON p.id = o.holder_id WHERE p.id_nat = @idNat", new { idNat = "8" + rpps }));
    }

    [Fact]
    public async Task A_student_of_a_CPF_profession_is_ordered_a_CPF_and_a_student_of_another_none()
    {
        var ordre = Organisation("ORDRE DE TEST", IntakeHost.OrdreOu);
        var medecin = NewRpps();
        var infirmier = NewRpps();
        var run = await StreamAsync("dotnet", "ordre", ordre, [
            Registration("cpf-" + medecin, 1, medecin, profession: "10", categorie: "E"),
            Registration("cpf-" + infirmier, 1, infirmier, profession: "60", categorie: "E"),
        ]);
        Assert.All(run.Acks, a => Assert.Equal("ACCEPTED", Outcome(a)));
        Assert.Equal("CPF", await ScalarAsync<string>("SELECT o.card_type FROM orders o JOIN persons p ON p.id = o.holder_id WHERE p.id_nat = @idNat", new { idNat = "8" + medecin }));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM orders o JOIN persons p ON p.id = o.holder_id WHERE p.id_nat = @idNat", new { idNat = "8" + infirmier }));
    }

    [Fact]
    public async Task Radiation_puts_the_professionals_cards_in_opposition_and_the_card_stops_authenticating()
    {
        var ordre = Organisation("ORDRE DE TEST", IntakeHost.OrdreOu);
        var rpps = NewRpps();
        var card = new CpxTeleservice.DevPki.CardIdentity("8" + rpps, "SOIGNANT", "ALEX", 0, Registry.NextSerial(), Profession: 60, Title: "Infirmier");
        await Registry.AddCardAsync(host.Database.DataSource, card, "CPS");
        using var client = host.CreateClient(card);
        await HttpAssert.JsonAsync(await client.GetAsync("/api/v1/me"));

        var run = await StreamAsync("dotnet", "ordre", ordre, [Registration("rad-" + rpps, 1, rpps, "RADIATION")]);
        Assert.Equal("ACCEPTED", Outcome(Assert.Single(run.Acks)));
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardInOpposition);
    }

    [Fact]
    public async Task An_order_the_Ordre_registration_created_has_no_paper_form()
    {
        var rpps = NewRpps();
        var inscription = await StreamAsync("dotnet", "ordre", Organisation("ORDRE DE TEST", IntakeHost.OrdreOu), [Registration("form-" + rpps, 1, rpps)]);
        var orderId = Guid.Parse(Get(Assert.Single(inscription.Acks), "orderId")!);

        await HttpAssert.ProblemAsync(await new World(host).Operator.GetAsync($"/api/v1/orders/{orderId}/form"),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.NoFormForOrder);
    }

    [Fact]
    public async Task Radiation_cancels_the_professionals_order_in_production_with_the_reason_and_no_card_is_shipped_on_it()
    {
        var ordre = Organisation("ORDRE DE TEST", IntakeHost.OrdreOu);
        var world = new World(host);
        var rpps = NewRpps();
        var inscription = await StreamAsync("dotnet", "ordre", ordre, [Registration("ins-" + rpps, 1, rpps)]);
        var orderId = Guid.Parse(Get(Assert.Single(inscription.Acks), "orderId")!);
        await world.EventAsync(orderId, "in-production");

        var radiation = await StreamAsync("dotnet", "ordre", ordre, [Registration("rad-" + rpps, 1, rpps, "RADIATION")]);
        Assert.Equal("ACCEPTED", Outcome(Assert.Single(radiation.Acks)));
        Assert.Equal("cancelled", await ScalarAsync<string>("SELECT state FROM orders WHERE id = @orderId", new { orderId }));
        Assert.Equal("holder radiated", await ScalarAsync<string>("SELECT detail FROM order_events WHERE order_id = @orderId AND event = 'cancelled'", new { orderId }));

        await HttpAssert.ProblemAsync(await world.Operator.PostAsJsonAsync($"/api/v1/admin/orders/{orderId}/events", new { @event = "card-shipped" }),
            HttpStatusCode.Conflict, ProblemTypes.OrderStateConflict);
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM cards WHERE order_id = @orderId", new { orderId }));
    }

    [Fact]
    public async Task ARS_visa_releases_an_order_of_its_territory_and_is_rejected_for_another()
    {
        var world = new World(host);
        var paris = await world.StructureAsync(departement: "75");
        var marseille = await world.StructureAsync(departement: "13");
        // One live CPS per holder in a structure: the two Paris orders are for two professionals.
        async Task<Guid> Order(World.StructureActors s, string adeli) =>
            (await HttpAssert.JsonAsync(await World.OrderAsync(s.LegalRepresentativeClient, s.StructureId, World.CpsOrder("60", "S", adeli)), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var granted = await Order(paris, "751234567");
        var refused = await Order(paris, "751234568");
        var foreign = await Order(marseille, "751234567");

        var ars = Organisation("ARS DE TEST", IntakeHost.ArsOu);
        var run = await StreamAsync("dotnet", "ars-visa", ars, [
            new { recordId = "visa-" + granted, version = "1", orderId = granted.ToString(), decision = "GRANTED", decidedAt = "2026-04-30T08:00:00Z" },
            new { recordId = "visa-" + refused, version = "1", orderId = refused.ToString(), decision = "REFUSED", reason = "Diplôme non enregistré" },
            new { recordId = "visa-" + foreign, version = "1", orderId = foreign.ToString(), decision = "GRANTED" },
            new { recordId = "visa-bad", version = "1", orderId = granted.ToString(), decision = "REFUSED" },
            new { recordId = "visa-" + granted, version = "1", orderId = granted.ToString(), decision = "GRANTED", decidedAt = "2026-04-30T08:00:00Z" },
        ]);
        Assert.True(run.ExitCode == 0, run.Errors);
        Assert.Equal(["ACCEPTED", "ACCEPTED", "REJECTED", "REJECTED", "DUPLICATE"], run.Acks.Select(Outcome));
        Assert.Equal("order-unknown", Get(run.Acks[2], "reasonCode"));
        Assert.Equal("reason", Get(run.Acks[3], "field"));

        var order = await HttpAssert.JsonAsync(await paris.LegalRepresentativeClient.GetAsync($"/api/v1/orders/{granted}"));
        Assert.Equal("submitted", order.GetProperty("state").GetString());
        Assert.Equal("2026-05-19", order.GetProperty("expectedCardDate").GetString()); // 10 working days after 30 April 2026
        var rejected = await HttpAssert.JsonAsync(await paris.LegalRepresentativeClient.GetAsync($"/api/v1/orders/{refused}"));
        Assert.Equal("rejected", rejected.GetProperty("state").GetString());
        Assert.Equal("Diplôme non enregistré", rejected.GetProperty("rejectionReason").GetString());
        var untouched = await HttpAssert.JsonAsync(await marseille.LegalRepresentativeClient.GetAsync($"/api/v1/orders/{foreign}"));
        Assert.Equal("awaiting-visa", untouched.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Visa_on_an_order_outside_the_ARS_territory_is_answered_as_an_unknown_order()
    {
        var world = new World(host);
        var marseille = await world.StructureAsync(departement: "13");
        var foreign = (await HttpAssert.JsonAsync(await World.OrderAsync(marseille.LegalRepresentativeClient, marseille.StructureId, World.CpsOrder("60", "S")),
            HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var missing = Guid.NewGuid();

        var run = await StreamAsync("dotnet", "ars-visa", Organisation("ARS DE TEST", IntakeHost.ArsOu), [
            new { recordId = "visa-foreign-" + foreign, version = "1", orderId = foreign.ToString(), decision = "GRANTED" },
            new { recordId = "visa-missing-" + missing, version = "1", orderId = missing.ToString(), decision = "GRANTED" },
        ]);

        Assert.True(run.ExitCode == 0, run.Errors);
        // The same answer for both: an ARS learns nothing of the orders of another territory.
        Assert.All(run.Acks, a => Assert.Equal(("REJECTED", "order-unknown", "order_id"), (Outcome(a), Get(a, "reasonCode"), Get(a, "field"))));
        Assert.Equal("awaiting-visa", await ScalarAsync<string>("SELECT state FROM orders WHERE id = @foreign", new { foreign }));
    }

    [Fact]
    public async Task ARS_registers_ADELI_professionals_of_its_territory_only()
    {
        var ars = Organisation("ARS DE TEST", IntakeHost.ArsOu);
        var id = Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        object Adeli(string adeli, string departement) => new
        {
            recordId = "adeli-" + adeli, version = "1", @event = "INSCRIPTION", adeli,
            identity = new { nomExercice = "INFIRMIERE", prenom = "ZOE" },
            exercise = new { profession = "60", categorieProfessionnelle = "C", modeExercice = "S", place = new { address = new { departement } } },
        };
        var run = await StreamAsync("dotnet", "ars-adeli", ars, [Adeli("75" + id[..6] + "0", "75"), Adeli("13" + id[..6] + "0", "13")]);
        Assert.Equal(["ACCEPTED", "REJECTED"], run.Acks.Select(Outcome));
        Assert.Equal("outside-territory", Get(run.Acks[1], "reasonCode"));
        Assert.Equal("75" + id[..6] + "0", await ScalarAsync<string>("SELECT adeli FROM persons WHERE id_nat = @idNat", new { idNat = "075" + id[..6] + "0" }));
    }

    [Fact]
    public async Task An_Ordre_cannot_send_visas()
    {
        var ordre = Organisation("ORDRE DE TEST", IntakeHost.OrdreOu);
        var run = await StreamAsync("dotnet", "ars-visa", ordre, [new { recordId = "x", version = "1", orderId = Guid.NewGuid().ToString(), decision = "GRANTED" }]);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("PERMISSION_DENIED", run.Errors);
    }

    [Fact]
    public async Task A_source_acts_only_on_professionals_of_its_professions_whatever_the_record_declares()
    {
        var ordre = Organisation("ORDRE DE TEST", IntakeHost.OrdreOu);
        var pharmacien = NewRpps();
        var card = new CpxTeleservice.DevPki.CardIdentity("8" + pharmacien, "PHARMACIEN", "PAUL", 0, Registry.NextSerial(), Profession: 21, Title: "Pharmacien");
        await Registry.AddCardAsync(host.Database.DataSource, card, "CPS");
        await using (var connection = await host.Database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO professionals (person_id, profession, source) SELECT id, '21', 'AUTRE ORDRE' FROM persons WHERE id_nat = @IdNat", card);
        }

        // This Ordre (infirmiers, médecins) sends a radiation and a modification for a pharmacien.
        var run = await StreamAsync("dotnet", "ordre", ordre, [
            Registration("own-1-" + pharmacien, 1, pharmacien, "RADIATION"),
            Registration("own-2-" + pharmacien, 1, pharmacien, "MODIFICATION", nom: "USURPE"),
        ]);
        Assert.Equal(["REJECTED", "REJECTED"], run.Acks.Select(Outcome));
        Assert.All(run.Acks, a => Assert.Equal("professional-not-owned", Get(a, "reasonCode")));
        Assert.Equal("active", await ScalarAsync<string>("SELECT state FROM cards WHERE serial = @CardSerial", card));
        Assert.Equal("PHARMACIEN", await ScalarAsync<string>("SELECT nom FROM persons WHERE id_nat = @IdNat", card));
    }

    [Fact]
    public async Task A_record_the_database_cannot_store_is_rejected_alone_and_the_stream_goes_on()
    {
        var ordre = Organisation("ORDRE DE TEST", IntakeHost.OrdreOu);
        var records = new[] { NewRpps(), NewRpps(), NewRpps() }.Select((rpps, i) => Registration($"nul-{i}-{rpps}", 1, rpps, nom: i == 1 ? "NUL\u0000NOM" : "SOIGNANT")).ToList();
        var run = await StreamAsync("dotnet", "ordre", ordre, records);
        Assert.True(run.ExitCode == 0, run.Errors);
        Assert.Equal(["ACCEPTED", "REJECTED", "ACCEPTED"], run.Acks.Select(Outcome));
        Assert.Equal("nul-character", Get(run.Acks[1], "reasonCode"));
    }
}
