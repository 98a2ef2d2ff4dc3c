using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CpxTeleservice.DevPki;

namespace CpxTeleservice.Tests.Infrastructure;

/// <summary>
/// Builds the people and structures a test needs through the service's own API, as an operator and a
/// legal representative would: a structure with its legal representative's CDE, its contract documents
/// and approval, mandataires and staff cards. The service is a test host, or any other whose clients
/// <paramref name="clientFor"/> makes (a server started as a process).
/// </summary>
public sealed class World(Func<CardIdentity, HttpClient> clientFor)
{
    public World(ServiceHost host)
        : this(card => host.CreateClient(card))
    {
    }

    public static readonly byte[] Pdf = "%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"u8.ToArray();
    public static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];

    public HttpClient Operator { get; } = clientFor(ServiceHost.Operator);

    private static readonly string[] Departements = ["75", "69", "13", "33", "59", "67", "44", "31", "92", "35"];

    /// <summary>A FINESS of a metropolitan département that passes the Luhn check, new for each call.</summary>
    public static string NewFiness()
    {
        return CheckDigit.Luhn(Departements[RandomNumberGenerator.GetInt32(Departements.Length)] + RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6"));
    }

    public sealed record StructureActors(Guid StructureId, string Finess, string Departement, CardIdentity LegalRepresentative, HttpClient LegalRepresentativeClient);

    /// <summary>A structure registered by the operator, with its legal representative's CDE; the contract approved unless told otherwise.</summary>
    public async Task<StructureActors> StructureAsync(bool approve = true, string? finess = null, string? departement = null, string? raisonSociale = null)
    {
        finess ??= NewFiness();
        raisonSociale ??= "STRUCTURE " + finess;
        var representative = new CardIdentity($"3{finess}/RL{RandomNumberGenerator.GetInt32(1000, 9999)}", "REPRESENTANT", "LEGAL", 2, Registry.NextSerial(),
            Organisation: "STRUCTURE " + finess, OrganisationUnit: "1" + finess);
        var response = await Operator.PostAsJsonAsync("/api/v1/admin/structures", new
        {
            finess,
            raisonSociale,
            secteurActivite = "SA66",
            departement,
            legalRepresentative = new { idNat = representative.IdNat, nom = representative.Nom, prenom = representative.Prenom, healthProfessional = false },
        });
        var structure = await HttpAssert.JsonAsync(response, HttpStatusCode.Created);
        var structureId = structure.GetProperty("id").GetGuid();
        await RegisterCardAsync(representative, "CDE", structureId);
        var client = clientFor(representative);
        if (approve)
        {
            await UploadAsync(client, structureId, "act-of-nomination", Pdf);
            await UploadAsync(client, structureId, "identity-document", Png);
            await HttpAssert.JsonAsync(await ApproveAsync(structureId));
        }

        return new StructureActors(structureId, finess, structure.GetProperty("departement").GetString()!, representative, client);
    }

    /// <summary>The operator approves the contract as reviewed: with the ids of its current documents, read from the structure.</summary>
    public async Task<HttpResponseMessage> ApproveAsync(Guid structureId)
    {
        var structure = await HttpAssert.JsonAsync(await Operator.GetAsync($"/api/v1/structures/{structureId}"));
        var current = structure.GetProperty("contract").GetProperty("documents").EnumerateArray()
            .GroupBy(d => d.GetProperty("kind").GetString())
            .Select(g => g.OrderBy(d => d.GetProperty("uploadedAt").GetDateTime()).ThenBy(d => d.GetProperty("id").GetString()).Last().GetProperty("id").GetGuid())
            .ToList();
        return await Operator.PostAsJsonAsync($"/api/v1/admin/structures/{structureId}/contract/approval", new { documentIds = current });
    }

    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, Guid structureId, string kind, byte[] content, string fileName = "document.bin")
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(kind), "kind");
        form.Add(new ByteArrayContent(content), "file", fileName);
        var response = await client.PostAsync($"/api/v1/structures/{structureId}/contract/documents", form);
        return response;
    }

    /// <summary>Registers a card through the operator's endpoint; returns its id.</summary>
    public async Task<Guid> RegisterCardAsync(CardIdentity card, string cardType, Guid? structureId, bool healthProfessional = false, DateTimeOffset? validUntil = null)
    {
        var response = await Operator.PostAsJsonAsync("/api/v1/admin/cards", new
        {
            cardType,
            serial = card.CardSerial,
            holder = new { idNat = card.IdNat, nom = card.Nom, prenom = card.Prenom, healthProfessional },
            structureId,
            profession = card.Profession?.ToString(),
            validUntil = (validUntil ?? DateTimeOffset.UtcNow.AddYears(3)).UtcDateTime,
        });
        return (await HttpAssert.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    /// <summary>A staff member of the structure holding a CPE of it, designated mandataire by the legal representative.</summary>
    public async Task<(CardIdentity Card, HttpClient Client)> MandataireAsync(StructureActors structure)
    {
        var card = Registry.NewStaffCard(structure.Finess, "MANDATAIRE");
        await RegisterCardAsync(card, "CPE", structure.StructureId);
        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync(
            $"/api/v1/structures/{structure.StructureId}/mandataires", new { idNat = card.IdNat }), HttpStatusCode.Created);
        return (card, clientFor(card));
    }

    public static async Task<HttpResponseMessage> OrderAsync(HttpClient client, Guid structureId, object body, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/structures/{structureId}/orders") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        return await client.SendAsync(request);
    }

    public static object CpeOrder(string nom = "AGENT", string prenom = "ACCUEIL") => new { cardType = "CPE", holder = new { nom, prenom } };

    public static object CpsOrder(string profession, string? modeExercice = "S", string adeli = "751234567") =>
        new { cardType = "CPS", profession, modeExercice, holder = new { nom = "SOIGNANT", prenom = "SAM", adeli } };

    /// <summary>Records a production event as the operator.</summary>
    public async Task<JsonElement> EventAsync(Guid orderId, string evt, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["event"] = evt };
        if (extra is not null)
        {
            foreach (var property in extra.GetType().GetProperties())
            {
                body[property.Name] = property.GetValue(extra);
            }
        }

        return await HttpAssert.JsonAsync(await Operator.PostAsJsonAsync($"/api/v1/admin/orders/{orderId}/events", body));
    }
}
