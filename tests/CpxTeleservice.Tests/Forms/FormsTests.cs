using System.Net;
using System.Net.Http.Json;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Forms;

/// <summary>
/// The paper forms of seed 004 (§2: 101, §3: 502, §4.2: 201, §4.4: 301), prefilled as PDF: every field
/// is read back from the PDF's text with pdftotext, accents included, the fonts are embedded, and page 1
/// is kept as a PNG in the test results folder. A form is seen by whoever sees the order (or the structure's
/// mandataires), and no one else.
/// </summary>
public class FormsTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private const string RaisonSociale = "Clinique Sainte-Thérèse – Établissement de santé privé d'intérêt collectif";

    private readonly World _world = new(host);

    [Fact]
    public async Task F201_prefills_the_CPS_order_of_an_ADELI_nurse_with_the_reference_the_ARS_quotes_a_visa_box_and_both_signatures()
    {
        var structure = await _world.StructureAsync(raisonSociale: RaisonSociale, departement: "75");
        var order = await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId,
            new { cardType = "CPS", profession = "60", modeExercice = "S", holder = new { nom = "LEFÈVRE", prenom = "Éloïse", adeli = "751234567" } }), HttpStatusCode.Created);
        var orderId = order.GetProperty("id").GetGuid();

        var (pdf, text) = await FormAsync(structure.LegalRepresentativeClient, $"/api/v1/orders/{orderId}/form", $"F201-{orderId}.pdf", "form-201");

        AssertFields(text,
            "Formulaire 201", "Demande de carte CPS pour un professionnel de santé ADELI salarié",
            // the structure
            "Raison sociale", RaisonSociale, "N° FINESS", structure.Finess, "Identifiant national de structure", "1" + structure.Finess,
            "Département 75", "Secteur d'activité SA66",
            // the holder
            "Titulaire de la carte", "Nom LEFÈVRE", "Prénom Éloïse", "Identifiant national (IdNat) 0751234567", "N° ADELI 751234567",
            "Profession Infirmier (code 60)", "Mode d'exercice Salarié (S)",
            // the order: the reference the ARS quotes in its visa
            "Référence de la commande " + orderId, "Nature de la demande Première demande",
            "Date de la commande " + ParisToday(),
            $"Commandée par LEGAL REPRESENTANT ({structure.LegalRepresentative.IdNat})",
            // the ARS visa, left empty, and the two signatures
            "Visa de l'ARS", "Cadre réservé à l'ARS : date, cachet et signature. Référence de la commande à rappeler : " + orderId,
            "Le titulaire de la carte", "Éloïse LEFÈVRE", "Le représentant légal de la structure", "LEGAL REPRESENTANT", "Date :", "Signature :");
        await AssertFontsEmbeddedAsync(pdf);
    }

    [Fact]
    public async Task F301_prefills_the_CPE_order_of_a_staff_member_signed_by_the_legal_representative()
    {
        var structure = await _world.StructureAsync(raisonSociale: RaisonSociale);
        var (_, mandataire) = await _world.MandataireAsync(structure);
        var order = await HttpAssert.JsonAsync(await World.OrderAsync(mandataire, structure.StructureId, World.CpeOrder("MÜLLER-GARÇON", "Anaïs")), HttpStatusCode.Created);
        var orderId = order.GetProperty("id").GetGuid();
        var holderIdNat = order.GetProperty("holder").GetProperty("idNat").GetString()!;

        // The mandataire who placed it sees the form as the legal representative does.
        var (pdf, text) = await FormAsync(mandataire, $"/api/v1/orders/{orderId}/form", $"F301-{orderId}.pdf", "form-301");

        AssertFields(text,
            "Formulaire 301", "Demande de carte de personnel d'établissement (CPE)",
            "Raison sociale", RaisonSociale, "N° FINESS", structure.Finess,
            "Titulaire de la carte", "Nom MÜLLER-GARÇON", "Prénom Anaïs", "Identifiant national (IdNat) " + holderIdNat,
            "Référence de la commande " + orderId, "Date de la commande " + ParisToday(), "Commandée par CAMILLE MANDATAIRE",
            "Le représentant légal de la structure LEGAL REPRESENTANT", "Signature :");
        Assert.DoesNotContain("Visa de l'ARS", text);
        Assert.DoesNotContain("Le titulaire de la carte", text);
        await AssertFontsEmbeddedAsync(pdf);
    }

    [Fact]
    public async Task F101_prefills_the_CDE_order_of_the_legal_representative()
    {
        // The legal representative holds a CDE already (one live card per holder and kind): it is lost, and a
        // mandataire orders the new one, which is for the legal representative.
        var structure = await _world.StructureAsync(raisonSociale: RaisonSociale);
        var (_, mandataire) = await _world.MandataireAsync(structure);
        var cards = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}/cards?type=CDE"));
        using var opposition = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cards/{cards.GetProperty("items")[0].GetProperty("id").GetGuid()}/opposition")
        {
            Content = JsonContent.Create(new { reason = "lost" }),
        };
        opposition.Headers.TryAddWithoutValidation("If-Match", "*");
        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.SendAsync(opposition));
        var order = await HttpAssert.JsonAsync(await World.OrderAsync(mandataire, structure.StructureId, new { cardType = "CDE" }), HttpStatusCode.Created);
        var orderId = order.GetProperty("id").GetGuid();

        var (pdf, text) = await FormAsync(mandataire, $"/api/v1/orders/{orderId}/form", $"F101-{orderId}.pdf", "form-101");

        AssertFields(text,
            "Formulaire 101", "Demande de carte de directeur d'établissement (CDE)",
            "Raison sociale", RaisonSociale, "Identifiant national de structure 1" + structure.Finess,
            "Représentant légal, titulaire de la carte", "Nom REPRESENTANT", "Prénom LEGAL",
            "Identifiant national (IdNat) " + structure.LegalRepresentative.IdNat,
            "Référence de la commande " + orderId, "Date de la commande " + ParisToday(),
            "Le représentant légal de la structure LEGAL REPRESENTANT", "Signature :");
        await AssertFontsEmbeddedAsync(pdf);
    }

    [Fact]
    public async Task F502_prefills_the_designation_of_a_mandataire_with_its_card_and_the_end_of_the_mandate()
    {
        var structure = await _world.StructureAsync(raisonSociale: RaisonSociale);
        var card = Registry.NewStaffCard(structure.Finess, "DUPRÉ");
        await _world.RegisterCardAsync(card, "CPE", structure.StructureId);
        var endsAt = new DateTimeOffset(2099, 12, 31, 17, 0, 0, TimeSpan.Zero);
        var designation = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync(
            $"/api/v1/structures/{structure.StructureId}/mandataires", new { idNat = card.IdNat, endsAt }), HttpStatusCode.Created);
        var designatedAt = new DateTimeOffset(designation.GetProperty("designatedAt").GetDateTime(), TimeSpan.Zero);
        var url = $"/api/v1/structures/{structure.StructureId}/mandataires/{Uri.EscapeDataString(card.IdNat)}/form";

        var (pdf, text) = await FormAsync(structure.LegalRepresentativeClient, url, null, "form-502");

        AssertFields(text,
            "Formulaire 502", "Désignation d'un mandataire",
            "Raison sociale", RaisonSociale, "N° FINESS", structure.Finess,
            "Mandataire", "Nom DUPRÉ", "Prénom CAMILLE", "Identifiant national (IdNat) " + card.IdNat,
            "Carte de la famille CPS détenue CPE n° " + card.CardSerial,
            "Référence de la désignation",
            $"Désigné le {Paris(designatedAt):dd/MM/yyyy 'à' HH:mm} (heure de Paris)",
            // 31 December 2099 17:00 UTC is 18:00 in Paris (winter time).
            "Fin du mandat le 31/12/2099 à 18:00 (heure de Paris)",
            $"Représentant légal LEGAL REPRESENTANT ({structure.LegalRepresentative.IdNat})",
            "Le représentant légal de la structure LEGAL REPRESENTANT", "Signature :");
        await AssertFontsEmbeddedAsync(pdf);
    }

    [Fact]
    public async Task A_form_has_the_rights_of_its_order_404_for_another_structure_403_for_its_mandataires_and_operators_see_order_forms()
    {
        var structure = await _world.StructureAsync();
        var (mandataireCard, _) = await _world.MandataireAsync(structure);
        var order = await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created);
        var orderForm = $"/api/v1/orders/{order.GetProperty("id").GetGuid()}/form";
        var designationForm = $"/api/v1/structures/{structure.StructureId}/mandataires/{Uri.EscapeDataString(mandataireCard.IdNat)}/form";
        var other = await _world.StructureAsync();

        // As for GET /orders/{id}: another structure's legal representative is told nothing exists; so is anyone for an unknown order.
        await HttpAssert.ProblemAsync(await other.LegalRepresentativeClient.GetAsync(orderForm), HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/orders/{Guid.CreateVersion7()}/form"),
            HttpStatusCode.NotFound, ProblemTypes.NotFound);
        // As for GET /structures/{id}/mandataires: 403 for a caller with no role in the structure.
        await HttpAssert.ProblemAsync(await other.LegalRepresentativeClient.GetAsync(designationForm), HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        // No form for a person who is not an active mandataire.
        await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.GetAsync(
            $"/api/v1/structures/{structure.StructureId}/mandataires/{Uri.EscapeDataString(structure.LegalRepresentative.IdNat)}/form"), HttpStatusCode.NotFound, ProblemTypes.NotFound);

        using var response = await _world.Operator.GetAsync(orderForm);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);

        // The refusal is audited in the structure the order belongs to.
        var audit = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}/audit"));
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e =>
            e.GetProperty("action").GetString() == "GetOrderForm" && e.GetProperty("outcome").GetString() == "refused:not-found");
    }

    [Fact]
    public async Task A_cancelled_order_has_no_form_to_send()
    {
        var structure = await _world.StructureAsync();
        var order = await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created);
        var orderId = order.GetProperty("id").GetGuid();
        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.PostAsync($"/api/v1/orders/{orderId}/cancellation", null));
        await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/orders/{orderId}/form"),
            HttpStatusCode.Conflict, ProblemTypes.OrderStateConflict);
    }

    /// <summary>Fetches a form, checks it is a PDF download, keeps page 1 as a PNG, and returns the PDF and its text.</summary>
    private static async Task<(byte[] Pdf, string Text)> FormAsync(HttpClient client, string url, string? fileName, string picture)
    {
        using var response = await client.GetAsync(url);
        var pdf = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(pdf)}");
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        if (fileName is not null)
        {
            Assert.Equal(fileName, response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        }

        Assert.Contains("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("%PDF-"u8.ToArray(), pdf[..5]);

        var png = await PdfTools.RenderFirstPageAsync(pdf, picture);
        Assert.True(new FileInfo(png).Length > 10_000, "the rendered page is (almost) empty: " + png);
        return (pdf, await PdfTools.TextAsync(pdf));
    }

    private static void AssertFields(string text, params string[] expected)
    {
        Assert.All(expected, field => Assert.True(text.Contains(field, StringComparison.Ordinal), $"\"{field}\" is not in the form's text:\n{text}"));
    }

    private static async Task AssertFontsEmbeddedAsync(byte[] pdf)
    {
        var fonts = await PdfTools.FontsAsync(pdf);
        Assert.NotEmpty(fonts);
        Assert.All(fonts, font =>
        {
            Assert.True(font.Embedded, $"{font.Name} is not embedded");
            Assert.Contains("DejaVu", font.Name);
        });
    }

    private static DateTimeOffset Paris(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"));

    private static string ParisToday() => Paris(DateTimeOffset.UtcNow).ToString("dd/MM/yyyy");
}
