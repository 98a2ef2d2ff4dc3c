using CpxTeleservice.Domain;

namespace CpxTeleservice.Tests.Domain;

// Expected keys were computed independently (python3) from the rules in domain.md, "Identifiers (ext)".
public sealed class IdentifiersTests
{
    [Theory]
    [InlineData("10100123453")]
    [InlineData("10100987659")]
    public void Rpps_with_a_correct_Luhn_key_over_11_digits_is_valid(string rpps)
    {
        var check = Identifiers.CheckRpps(rpps);

        Assert.True(check.IsValid);
        Assert.Null(check.Error);
    }

    [Theory]
    [InlineData("10100123454", "Luhn")]      // last digit changed
    [InlineData("1010012345", "11")]        // 10 digits
    [InlineData("101001234530", "11")]      // 12 digits
    [InlineData("1010012345A", "digits")]
    [InlineData("1010012345٣", "digits")]  // an Arabic-Indic digit is not an ASCII digit
    [InlineData(" 10100123453", "11")]      // whitespace is not trimmed
    public void Rpps_invalid_says_why(string rpps, string reason)
    {
        var check = Identifiers.CheckRpps(rpps);

        Assert.False(check.IsValid);
        Assert.Contains(reason, check.Error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Missing_values_are_invalid_for_every_identifier(string? value)
    {
        IdentifierCheck[] checks =
        [
            Identifiers.CheckRpps(value),
            Identifiers.CheckAdeli(value),
            Identifiers.CheckFiness(value),
            Identifiers.CheckSiren(value),
            Identifiers.CheckSiret(value),
            Identifiers.CheckNir(value),
            Identifiers.CheckNir(value, "88"),
        ];

        Assert.All(checks, check =>
        {
            Assert.False(check.IsValid);
            Assert.Contains("required", check.Error);
        });
    }

    [Theory]
    [InlineData("750812349")]
    [InlineData("690123450")]
    [InlineData("2A0000014")] // Corsica: letters in the département, no Luhn key to check
    [InlineData("2B0000022")]
    [InlineData("0B0152872")] // ANS test-style value with a letter
    public void Finess_valid(string finess) => Assert.True(Identifiers.CheckFiness(finess).IsValid);

    [Theory]
    [InlineData("750812348", "Luhn")] // all digits: the Luhn key applies
    [InlineData("75081234", "9")]
    [InlineData("7508123490", "9")]
    [InlineData("2a0000014", "A-Z")]  // lower case is the caller's normalisation
    [InlineData("75-812349", "A-Z")]
    public void Finess_invalid_says_why(string finess, string reason)
    {
        var check = Identifiers.CheckFiness(finess);

        Assert.False(check.IsValid);
        Assert.Contains(reason, check.Error);
    }

    [Theory]
    [InlineData("356000000")] // La Poste's SIREN is Luhn-valid like any other
    [InlineData("732829320")]
    [InlineData("552100554")]
    [InlineData("810001230")]
    public void Siren_with_a_correct_Luhn_key_is_valid(string siren) => Assert.True(Identifiers.CheckSiren(siren).IsValid);

    [Theory]
    [InlineData("732829321", "Luhn")]
    [InlineData("73282932", "9")]
    [InlineData("73282932000074", "9")]
    [InlineData("7328293A0", "digits")]
    public void Siren_invalid_says_why(string siren, string reason)
    {
        var check = Identifiers.CheckSiren(siren);

        Assert.False(check.IsValid);
        Assert.Contains(reason, check.Error);
    }

    [Theory]
    [InlineData("13000578000015")]
    [InlineData("73282932000074")]
    [InlineData("55210055400013")]
    public void Siret_with_a_correct_Luhn_key_is_valid(string siret) => Assert.True(Identifiers.CheckSiret(siret).IsValid);

    [Theory]
    [InlineData("73282932000075", "Luhn")]
    [InlineData("7328293200007", "14")]
    [InlineData("732829320000740", "14")]
    [InlineData("7328293200007A", "digits")]
    public void Siret_invalid_says_why(string siret, string reason)
    {
        var check = Identifiers.CheckSiret(siret);

        Assert.False(check.IsValid);
        Assert.Contains(reason, check.Error);
    }

    [Theory]
    [InlineData("35600000049837")] // digit sum 45, fails Luhn
    [InlineData("35600000000001")] // digit sum 15, fails Luhn
    [InlineData("35600000000105")] // digit sum 20, passes Luhn too
    public void Siret_of_La_Poste_is_valid_when_its_digit_sum_is_a_multiple_of_5(string siret)
    {
        Assert.True(Identifiers.CheckSiret(siret).IsValid);
    }

    [Theory]
    [InlineData("35600000000014")] // digit sum 19 although it passes Luhn: Luhn does not apply to La Poste
    [InlineData("35600000000022")] // digit sum 18, passes Luhn
    [InlineData("35600000049838")] // digit sum 46
    public void Siret_of_La_Poste_is_invalid_when_its_digit_sum_is_not_a_multiple_of_5(string siret)
    {
        var check = Identifiers.CheckSiret(siret);

        Assert.False(check.IsValid);
        Assert.Contains("multiple of 5", check.Error);
    }

    [Fact]
    public void Siret_of_La_Poste_head_office_keeps_the_Luhn_key()
    {
        // 35600000000048: digit sum 26, Luhn-valid; INSEE's one exception to the La Poste rule.
        Assert.True(Identifiers.CheckSiret(Identifiers.LaPosteHeadOfficeSiret).IsValid);
    }

    [Theory]
    [InlineData("0B6087510")] // the ADELI of the IGC-Santé test card: a letter in the département
    [InlineData("751234567")]
    [InlineData("2A1234567")]
    [InlineData("0B60X7510")] // format only: letters accepted anywhere
    public void Adeli_of_9_digits_or_uppercase_letters_is_valid(string adeli) => Assert.True(Identifiers.CheckAdeli(adeli).IsValid);

    [Theory]
    [InlineData("0B608751", "9")]
    [InlineData("0B60875100", "9")]
    [InlineData("0b6087510", "A-Z")]
    [InlineData("0B6087-10", "A-Z")]
    [InlineData("0B608751 ", "A-Z")]
    public void Adeli_invalid_says_why(string adeli, string reason)
    {
        var check = Identifiers.CheckAdeli(adeli);

        Assert.False(check.IsValid);
        Assert.Contains(reason, check.Error);
    }

    [Theory]
    [InlineData("1850578006084", "91")]
    [InlineData("2690520123456", "61")]
    [InlineData("269052A123456", "88")] // 2A counts as 19
    [InlineData("269052B123456", "18")] // 2B counts as 18
    [InlineData("1000000000047", "97")] // n mod 97 = 0 gives key 97, not 00
    public void Nir_key_is_97_minus_n_mod_97(string nir, string key)
    {
        Assert.True(Identifiers.CheckNir(nir, key).IsValid);
        Assert.True(Identifiers.CheckNir(nir + key).IsValid);
    }

    [Fact]
    public void Nir_Corsica_2A_is_computed_as_19_not_as_20()
    {
        // With 2A read as 20 the key would be 61, the key of 2690520123456.
        Assert.False(Identifiers.CheckNir("269052A123456", "61").IsValid);
        Assert.True(Identifiers.CheckNir("269052A123456", "88").IsValid);
    }

    [Theory]
    [InlineData("1850578006084", "90", "key is wrong")]
    [InlineData("1850578006084", "00", "key is wrong")]
    [InlineData("1000000000047", "00", "key is wrong")]
    [InlineData("1850578006084", "9", "2 digits")]
    [InlineData("1850578006084", "9A", "2 digits")]
    [InlineData("1850578006084", "", "key is required")]
    [InlineData("185057800608", "91", "13")]
    [InlineData("18505780060845", "91", "13")]
    [InlineData("1850578A06084", "91", "digits")]
    [InlineData("2A9052A123456", "88", "digits")] // 2A only as the département
    [InlineData("269052a123456", "88", "digits")]
    [InlineData("269052C123456", "88", "digits")]
    public void Nir_invalid_says_why(string nir, string key, string reason)
    {
        var check = Identifiers.CheckNir(nir, key);

        Assert.False(check.IsValid);
        Assert.Contains(reason, check.Error);
    }

    [Theory]
    [InlineData("18505780060849")]
    [InlineData("1850578006084911")]
    public void Nir_with_key_must_be_15_characters(string value)
    {
        var check = Identifiers.CheckNir(value);

        Assert.False(check.IsValid);
        Assert.Contains("15", check.Error);
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("18", true)]
    [InlineData("79927398713", true)] // the textbook example
    [InlineData("79927398710", false)]
    [InlineData("", false)]
    [InlineData("12a4", false)]
    public void Luhn_doubles_every_second_digit_from_the_right(string digits, bool expected)
    {
        Assert.Equal(expected, Identifiers.Luhn(digits));
    }
}
