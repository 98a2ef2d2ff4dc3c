using CpxTeleservice.Orders;

namespace CpxTeleservice.Forms;

/// <summary>
/// The form an order of a structure is sent with (seed 004 §2, §4): F201 for a CPS of an ADELI professional
/// (signed by the holder and the legal representative, then visaed by the ARS, whose visa quotes the order's
/// reference), F301 for a CPE and F101 for a CDE (signed by the legal representative).
/// </summary>
internal static class OrderForms
{
    public static readonly string[] CardTypes = ["CPS", "CPE", "CDE"];

    public static FormDocument For(OrderFormFacts order, Profession? profession, DateTimeOffset editedAt)
    {
        var reference = order.Id.ToString();
        var structure = FormSections.Structure(order.RaisonSociale, order.Finess, order.Siret, order.IdNatStruct, order.Departement, order.SecteurActivite);
        var placed = new FormSection("Commande",
        [
            new("Référence de la commande", reference),
            new("Nature de la demande", order.Kind switch
            {
                "replacement" => "Remplacement d'une carte en opposition (nouveaux codes)",
                "renewal" => "Renouvellement (codes conservés)",
                _ => "Première demande",
            }),
            new("Date de la commande", FormRenderer.ParisDate(new DateTimeOffset(order.CreatedAt, TimeSpan.Zero))),
            new("Commandée par", FormSections.Person(order.PlacedByIdNat, order.PlacedByPrenom, order.PlacedByNom)),
        ]);
        var representative = new FormSignature("Le représentant légal de la structure", FormSections.FullName(order.RepresentativePrenom, order.RepresentativeNom));
        List<FormField> holder = [new("Nom", order.HolderNom), new("Prénom", order.HolderPrenom), new("Identifiant national (IdNat)", order.HolderIdNat)];
        return order.CardType switch
        {
            "CPS" => new FormDocument("201", "Demande de carte CPS pour un professionnel de santé ADELI salarié",
                "Formulaire prérempli à partir de la commande ci-dessous. Il est signé par le salarié destinataire de la carte et par le " +
                "représentant légal de la structure, puis envoyé à l'ARS, qui le vise : son visa rappelle la référence de la commande.",
                [
                    structure,
                    new("Titulaire de la carte",
                    [
                        .. holder,
                        new("N° ADELI", order.HolderAdeli ?? (order.HolderIdNat.StartsWith('0') ? order.HolderIdNat[1..] : FormSections.None)),
                        new("Profession", profession is null ? order.Profession ?? FormSections.None : $"{profession.Label} (code {profession.Code})"),
                        new("Mode d'exercice", order.ModeExercice switch
                        {
                            "S" => "Salarié (S)",
                            "L" => "Libéral (L)",
                            "B" => "Bénévole (B)",
                            _ => "non précisé",
                        }),
                    ]),
                    placed,
                ],
                [new FormBox("Visa de l'ARS", $"Cadre réservé à l'ARS : date, cachet et signature. Référence de la commande à rappeler : {reference}", 80)],
                [new FormSignature("Le titulaire de la carte", FormSections.FullName(order.HolderPrenom, order.HolderNom)), representative],
                reference, editedAt),
            "CPE" => new FormDocument("301", "Demande de carte de personnel d'établissement (CPE)",
                "Formulaire prérempli à partir de la commande ci-dessous, pour un employé qui n'est pas professionnel de santé. " +
                "Il est signé par le représentant légal de la structure.",
                [structure, new("Titulaire de la carte", holder), placed], [], [representative], reference, editedAt),
            "CDE" => new FormDocument("101", "Demande de carte de directeur d'établissement (CDE)",
                "Formulaire prérempli à partir de la commande ci-dessous : la carte du responsable d'établissement qui n'est pas " +
                "professionnel de santé. Il est signé par le représentant légal de la structure.",
                [structure, new("Représentant légal, titulaire de la carte", holder), placed], [], [representative], reference, editedAt),
            _ => throw new ArgumentOutOfRangeException(nameof(order), order.CardType, "No form for this card type."),
        };
    }
}
