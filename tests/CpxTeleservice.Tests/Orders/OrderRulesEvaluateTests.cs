using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;

namespace CpxTeleservice.Tests.Orders;

/// <summary>
/// Rules 3 and 4 of a structure's order (seed 004 §4), case by case on <see cref="OrderRules.Evaluate"/>:
/// the refusal that names the rule, or the state the order starts in. OrderRulesTests wires each rule through HTTP.
/// </summary>
public class OrderRulesEvaluateTests
{
    /// <summary>Professions as the catalogue has them: ADELI issuable, RPPS, ADELI not issued yet, ADELI salaried-only.</summary>
    private static readonly Dictionary<string, Profession> Catalogue = new()
    {
        ["60"] = new("60", "Infirmier", "ADELI", Issuable: true, SalariedOnly: false, CpfEligible: false),
        ["10"] = new("10", "Médecin", "RPPS", Issuable: true, SalariedOnly: false, CpfEligible: true),
        ["93"] = new("93", "Psychologue", "ADELI", Issuable: false, SalariedOnly: false, CpfEligible: false),
        ["95"] = new("95", "Diététicien", "ADELI", Issuable: true, SalariedOnly: true, CpfEligible: false),
    };

    /// <summary>card type, holder health professional, holder is the legal representative, profession, mode d'exercice → problem type or initial state.</summary>
    public static TheoryData<string, string, bool, bool, string?, string?, string> Cases => new()
    {
        { "Rule3: a CPS for an issuable ADELI profession waits for the ARS visa", "CPS", true, false, "60", "L", "awaiting-visa" },
        { "Rule3: a CPS in no mode of exercise is ordered all the same", "CPS", true, false, "60", null, "awaiting-visa" },
        { "Rule3: a CPS for an RPPS profession comes through the Ordre", "CPS", true, false, "10", "L", ProblemTypes.CpsRppsThroughOrdre },
        { "Rule3: a CPS for a profession not issued yet is refused", "CPS", true, false, "93", "L", ProblemTypes.ProfessionNotIssued },
        { "Rule3: a salaried-only profession needs mode S", "CPS", true, false, "95", "L", ProblemTypes.ProfessionSalariedOnly },
        { "Rule3: a salaried-only profession without a mode is refused", "CPS", true, false, "95", null, ProblemTypes.ProfessionSalariedOnly },
        { "Rule3: a salaried-only profession in mode S waits for the visa", "CPS", true, false, "95", "S", "awaiting-visa" },
        { "Rule3: a CPS for a profession not in the catalogue is refused", "CPS", true, false, "999", "L", ProblemTypes.ProfessionUnknown },
        { "Rule3: any CPF comes through the Ordre", "CPF", true, false, "10", null, ProblemTypes.CpfThroughOrdre },
        { "Rule4: a CPE for staff who are not health professionals is submitted", "CPE", false, false, null, null, "submitted" },
        { "Rule4: a CPE holder is not a health professional", "CPE", true, false, null, null, ProblemTypes.CpeHolderHealthProfessional },
        { "Rule4: a CDE for the legal representative is submitted", "CDE", false, true, null, null, "submitted" },
        { "Rule4: a CDE holder is the legal representative", "CDE", false, false, null, null, ProblemTypes.CdeHolderNotLegalRepresentative },
        { "Rule4: a CDE holder is not a health professional", "CDE", true, true, null, null, ProblemTypes.CdeHolderHealthProfessional },
        { "A CPA is not ordered by a structure", "CPA", false, false, null, null, ProblemTypes.CardTypeNotOrderable },
        { "An unknown card type is not orderable", "XYZ", false, false, null, null, ProblemTypes.CardTypeNotOrderable },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OrderRules_Evaluate_refuses_with_the_rule_or_accepts_in_the_initial_state(
        string rule, string cardType, bool healthProfessional, bool legalRepresentative, string? profession, string? mode, string expected)
    {
        var verdict = OrderRules.Evaluate(new OrderFacts(cardType, healthProfessional, legalRepresentative, profession,
            profession is null ? null : Catalogue.GetValueOrDefault(profession), mode));
        if (expected.StartsWith(ProblemTypes.Prefix, StringComparison.Ordinal))
        {
            Assert.True(verdict.Refused, rule);
            Assert.Equal(expected, verdict.ProblemType);
            Assert.False(string.IsNullOrWhiteSpace(verdict.Detail), rule);
        }
        else
        {
            Assert.False(verdict.Refused, $"{rule}: refused with {verdict.ProblemType}");
            Assert.Equal(expected, verdict.InitialState);
        }
    }
}
