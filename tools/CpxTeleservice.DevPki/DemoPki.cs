namespace CpxTeleservice.DevPki;

/// <summary>
/// The demo identities of the development PKI. Their identifiers are fixed (the demo data in
/// <c>db/demo/</c> refers to them); their keys are generated anew on every machine.
/// </summary>
public static class DemoIdentities
{
    public const string StructureFiness = "750812349";
    public const string StructureIdNat = "1" + StructureFiness;
    public const string StructureName = "SERVICE DE SANTE AU TRAVAIL DEMO";

    public static readonly CardIdentity Operator = new(
        "513000578000015/OPS0001", "LEROY", "ANNE", 2, "9000000001",
        Organisation: "AGENCE DU NUMERIQUE EN SANTE", OrganisationUnit: "313000578000015");

    public static readonly CardIdentity LegalRepresentative = new(
        "3" + StructureFiness + "/RL0001", "DURAND", "CLAIRE", 2, "9000000002",
        Organisation: StructureName, OrganisationUnit: StructureIdNat);

    public static readonly CardIdentity Mandataire = new(
        "3" + StructureFiness + "/EMP0042", "MARTIN", "THOMAS", 2, "9000000003",
        Organisation: StructureName, OrganisationUnit: StructureIdNat);

    public static readonly CardIdentity Nurse = new(
        "810100123453", "BERNARD", "LUCIE", 0, "9000000004", Profession: 60, Title: "Infirmier");

    public static readonly IReadOnlyDictionary<string, CardIdentity> Cards = new Dictionary<string, CardIdentity>
    {
        ["operator"] = Operator,
        ["legal-representative"] = LegalRepresentative,
        ["mandataire"] = Mandataire,
        ["nurse"] = Nurse,
    };

    /// <summary>The demo Ordre's organisation certificate: <c>OU</c> is its IdNat_Struct.</summary>
    public const string OrdreName = "CONSEIL NATIONAL DE L ORDRE DES INFIRMIERS";
    public const string OrdreIdNatStruct = "2775672272";

    /// <summary>The demo ARS's organisation certificate.</summary>
    public const string ArsName = "AGENCE REGIONALE DE SANTE ILE-DE-FRANCE DEMO";
    public const string ArsIdNatStruct = "2130009996";
}

/// <summary>Writes a complete development PKI as PEM files under one folder.</summary>
public static class DemoPki
{
    public const string CardCaName = "TEST AC IGC-SANTE FORT PERSONNES";
    public const string OrganisationCaName = "TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS";
    public const string RootName = "TEST AC RACINE IGC-SANTE DEV";

    /// <summary>Generates the PKI into <paramref name="folder"/> unless it is already there.</summary>
    /// <returns>false when an existing PKI was kept.</returns>
    public static bool Write(string folder, IEnumerable<string> serverHosts, bool force = false)
    {
        // The last file written: a PKI from an older version lacking it is generated anew.
        var marker = Path.Combine(folder, "organisations", "ars.crt");
        if (File.Exists(marker) && !force)
        {
            return false;
        }

        var root = Pki.CreateRoot(RootName);
        var cardCa = Pki.CreateIntermediate(root, CardCaName);
        var organisationCa = Pki.CreateIntermediate(root, OrganisationCaName);

        Write(folder, "trust/root.pem", root.CertificatePem);
        Write(folder, "trust/cards-anchors.pem", root.CertificatePem + cardCa.CertificatePem);
        Write(folder, "trust/organisations-anchors.pem", root.CertificatePem + organisationCa.CertificatePem);

        var server = Pki.IssueServer(organisationCa, serverHosts);
        Write(folder, "server/server.crt", server.CertificatePem + organisationCa.CertificatePem);
        WriteKey(folder, "server/server.key", server.KeyPem);

        foreach (var (name, card) in DemoIdentities.Cards)
        {
            foreach (var usage in new[] { CardCertificateUsage.Authentication, CardCertificateUsage.Signature })
            {
                var suffix = usage == CardCertificateUsage.Authentication ? "auth" : "sign";
                var issued = Pki.IssueCard(cardCa, card, usage);
                Write(folder, $"cards/{name}-{suffix}.crt", issued.CertificatePem);
                WriteKey(folder, $"cards/{name}-{suffix}.key", issued.KeyPem);
            }
        }

        var ordre = Pki.IssueOrganisation(organisationCa, DemoIdentities.OrdreName, DemoIdentities.OrdreIdNatStruct, "INTAKE ORDRE DEMO");
        Write(folder, "organisations/ordre.crt", ordre.CertificatePem);
        WriteKey(folder, "organisations/ordre.key", ordre.KeyPem);
        var ars = Pki.IssueOrganisation(organisationCa, DemoIdentities.ArsName, DemoIdentities.ArsIdNatStruct, "INTAKE ARS DEMO");
        Write(folder, "organisations/ars.crt", ars.CertificatePem);
        WriteKey(folder, "organisations/ars.key", ars.KeyPem);
        return true;
    }

    private static void Write(string folder, string relative, string content)
    {
        var path = Path.Combine(folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static void WriteKey(string folder, string relative, string content)
    {
        Write(folder, relative, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(folder, relative), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
