using CpxTeleservice.Infrastructure;

namespace CpxTeleservice.Orders;

/// <summary>
/// Rules 3 and 4 of docs/domain.md's "Rules a structure's order must pass" (seed 004 §4): which card a
/// structure may order, for whom, and through which channel otherwise. Rules 1, 2 and 5 (contract,
/// caller, mandataires) are checked against the database by the endpoints. Each refusal names its
/// rule in the problem type and says which channel applies instead.
/// </summary>
internal static class OrderRules
{
    public static readonly string[] OrderableTypes = ["CPS", "CPE", "CDE"];

    public static RuleVerdict Evaluate(OrderFacts facts) => facts.CardType switch
    {
        "CPS" => EvaluateCps(facts),
        "CPF" => RuleVerdict.Refuse(ProblemTypes.CpfThroughOrdre, "A CPF is ordered through the Ordre",
            "The trainee asks their Ordre for a CPF; only médecins, chirurgiens-dentistes, sages-femmes and pharmaciens can obtain one (seed 004 §4.3)."),
        "CPE" => facts.HolderHealthProfessional
            ? RuleVerdict.Refuse(ProblemTypes.CpeHolderHealthProfessional, "A CPE is for staff who are not health professionals",
                "A health professional holds a CPS: through the Ordre for RPPS professions, or a CPS order with the ARS visa for ADELI ones (seed 004 §4.4).")
            : RuleVerdict.Accept("submitted"),
        "CDE" => !facts.HolderIsLegalRepresentative
            ? RuleVerdict.Refuse(ProblemTypes.CdeHolderNotLegalRepresentative, "A CDE is for the structure's legal representative",
                "Order a CPE for other staff who are not health professionals (seed 004 §1.2, §2).")
            : facts.HolderHealthProfessional
                ? RuleVerdict.Refuse(ProblemTypes.CdeHolderHealthProfessional, "A legal representative who is a health professional holds a CPS",
                    "An RPPS professional declares the activity as head of the structure to their Ordre; an ADELI one is ordered a CPS with form 201 (seed 004 §2).")
                : RuleVerdict.Accept("submitted"),
        "CPA" => RuleVerdict.Refuse(ProblemTypes.CardTypeNotOrderable, "A CPA is not ordered here",
            "CPA cards are for structures the ANS authorises that are not care structures; ask the ANS."),
        _ => RuleVerdict.Refuse(ProblemTypes.CardTypeNotOrderable, "Unknown card type", "A structure orders a CPS, a CPE or a CDE."),
    };

    private static RuleVerdict EvaluateCps(OrderFacts facts)
    {
        if (facts.Profession is not { } profession)
        {
            return RuleVerdict.Refuse(ProblemTypes.ProfessionUnknown, "Unknown profession",
                $"No profession with the TRE_G15 code '{facts.ProfessionCode}' is in force today.");
        }

        // A profession the catalogue marks not issued gets no card, whatever its register.
        if (!profession.Issuable)
        {
            return RuleVerdict.Refuse(ProblemTypes.ProfessionNotIssued, $"The ANS does not issue a CPS for {profession.Label} yet",
                $"The profession catalogue in force today does not issue a CPS for {profession.Label} (marked '*' in seed 004 §1.2): no card can be ordered for it.");
        }

        if (profession.Register == "RPPS")
        {
            var registrar = profession.RegisteredBy ?? "their Ordre";
            return RuleVerdict.Refuse(ProblemTypes.CpsRppsThroughOrdre, $"A CPS for a {profession.Label} comes through {profession.RegisteredBy ?? "the Ordre"}",
                $"{profession.Label} is an RPPS profession: the professional registers with {registrar}, which triggers the CPS automatically (seed 004 §4.1).");
        }

        if (profession.SalariedOnly && facts.ModeExercice != "S")
        {
            return RuleVerdict.Refuse(ProblemTypes.ProfessionSalariedOnly, $"A CPS for a {profession.Label} needs the salaried mode of exercise",
                $"{profession.Label}: CPS only for those exercising in a salaried structure (mode d'exercice S, TRE_R23) (seed 004 §1.2).");
        }

        // ADELI professions: the structure's form 201 waits for the ARS visa before the dossier is complete (seed 004 §4.2).
        return RuleVerdict.Accept("awaiting-visa");
    }
}
