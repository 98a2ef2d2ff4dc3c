namespace CpxTeleservice.Forms;

/// <summary>Form 502 (seed 004 §3): the legal representative designates a mandataire, who holds a card of the CPS family.</summary>
internal static class MandataireForm
{
    public static FormDocument For(MandataireFormFacts mandate, DateTimeOffset editedAt)
    {
        var reference = mandate.Id.ToString();
        return new FormDocument("502", "Désignation d'un mandataire",
            "Le représentant légal désigne le salarié ci-dessous mandataire de la structure : il commande les produits de certification " +
            "(cartes et certificats) et gère le parc de cartes. Le formulaire est signé par le représentant légal de la structure.",
            [
                FormSections.Structure(mandate.RaisonSociale, mandate.Finess, mandate.Siret, mandate.IdNatStruct, mandate.Departement, mandate.SecteurActivite),
                new("Mandataire",
                [
                    new("Nom", mandate.Nom),
                    new("Prénom", mandate.Prenom),
                    new("Identifiant national (IdNat)", mandate.IdNat),
                    new("Carte de la famille CPS détenue", mandate.CardType is null ? FormSections.None : $"{mandate.CardType} n° {mandate.CardSerial}"),
                ]),
                new("Désignation",
                [
                    new("Référence de la désignation", reference),
                    new("Désigné le", FormRenderer.ParisDateTime(new DateTimeOffset(mandate.DesignatedAt, TimeSpan.Zero)) + " (heure de Paris)"),
                    new("Fin du mandat", mandate.EndsAt is { } end
                        ? $"le {FormRenderer.ParisDateTime(new DateTimeOffset(end, TimeSpan.Zero))} (heure de Paris)"
                        : "aucune date de fin : jusqu'à révocation"),
                    new("Représentant légal", FormSections.Person(mandate.RepresentativeIdNat, mandate.RepresentativePrenom, mandate.RepresentativeNom)),
                ]),
            ],
            [],
            [new FormSignature("Le représentant légal de la structure", FormSections.FullName(mandate.RepresentativePrenom, mandate.RepresentativeNom))],
            reference, editedAt);
    }
}
