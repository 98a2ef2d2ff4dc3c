namespace CpxTeleservice.Forms;

/// <summary>The parts the forms share: the structure's section, and how values print.</summary>
internal static class FormSections
{
    /// <summary>What prints for a value the registry does not have.</summary>
    public const string None = "—";

    public static FormSection Structure(string? raisonSociale, string? finess, string? siret, string? idNatStruct, string? departement, string? secteurActivite) =>
        new("Structure",
        [
            new("Raison sociale", raisonSociale ?? None),
            finess is not null ? new("N° FINESS", finess) : new("N° SIRET", siret ?? None),
            new("Identifiant national de structure", idNatStruct ?? None),
            new("Département", departement ?? None),
            new("Secteur d'activité", secteurActivite ?? None),
        ]);

    /// <summary>"Prénom NOM", as a signature block names a person.</summary>
    public static string FullName(string? prenom, string? nom) => string.Join(' ', new[] { prenom, nom }.Where(p => !string.IsNullOrWhiteSpace(p)));

    /// <summary>"Prénom NOM (IdNat)", for whoever placed an order or designated a mandataire.</summary>
    public static string Person(string? idNat, string? prenom, string? nom) =>
        idNat is null ? None : FullName(prenom, nom) is { Length: > 0 } name ? $"{name} ({idNat})" : idNat;
}
