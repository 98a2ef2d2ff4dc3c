namespace CpxTeleservice.Domain;

/// <summary>
/// Format and check-key rules of the identifiers the registry handles (docs/domain.md, "Identifiers (ext)").
/// Values are checked as given: whitespace and case are the caller's normalisation, not ours.
/// </summary>
public static class Identifiers
{
    /// <summary>SIREN of La Poste, whose establishments do not use the Luhn key (INSEE).</summary>
    public const string LaPosteSiren = "356000000";

    /// <summary>La Poste's head office: the one SIRET of that SIREN that keeps the Luhn key.</summary>
    public const string LaPosteHeadOfficeSiret = "35600000000048";

    /// <summary>RPPS: 11 digits, Luhn over all 11.</summary>
    public static IdentifierCheck CheckRpps(string? value) => CheckDigitsWithLuhn(value, "RPPS", 11);

    /// <summary>SIREN: 9 digits, Luhn.</summary>
    public static IdentifierCheck CheckSiren(string? value) => CheckDigitsWithLuhn(value, "SIREN", 9);

    /// <summary>
    /// SIRET: 14 digits, Luhn. La Poste's establishments (SIREN 356000000) share one SIREN and are
    /// numbered so that the sum of the 14 digits is a multiple of 5 instead; the head office keeps Luhn.
    /// </summary>
    public static IdentifierCheck CheckSiret(string? value)
    {
        if (Shape(value, "SIRET", 14, AllowedChars.Digits) is { } shapeError)
        {
            return IdentifierCheck.Fail(shapeError);
        }

        if (value!.StartsWith(LaPosteSiren, StringComparison.Ordinal) && value != LaPosteHeadOfficeSiret)
        {
            var sum = 0;
            foreach (var c in value)
            {
                sum += c - '0';
            }

            return sum % 5 == 0
                ? IdentifierCheck.Ok
                : IdentifierCheck.Fail("SIRET of La Poste (SIREN 356000000): the sum of its 14 digits must be a multiple of 5.");
        }

        return Luhn(value) ? IdentifierCheck.Ok : IdentifierCheck.Fail("SIRET check digit is wrong (Luhn).");
    }

    /// <summary>
    /// FINESS: 9 characters, digits or uppercase letters (Corsica's départements are 2A and 2B);
    /// the Luhn key only applies when all 9 are digits.
    /// </summary>
    public static IdentifierCheck CheckFiness(string? value)
    {
        if (Shape(value, "FINESS", 9, AllowedChars.DigitsAndUppercase) is { } shapeError)
        {
            return IdentifierCheck.Fail(shapeError);
        }

        if (!IsAllDigits(value!))
        {
            return IdentifierCheck.Ok;
        }

        return Luhn(value) ? IdentifierCheck.Ok : IdentifierCheck.Fail("FINESS check digit is wrong (Luhn).");
    }

    /// <summary>
    /// ADELI: 9 characters, département first. Format only: there is no key to check, and the ANS
    /// test values carry letters (e.g. 0B6087510), so uppercase letters are accepted anywhere.
    /// </summary>
    public static IdentifierCheck CheckAdeli(string? value) =>
        Shape(value, "ADELI", 9, AllowedChars.DigitsAndUppercase) is { } shapeError
            ? IdentifierCheck.Fail(shapeError)
            : IdentifierCheck.Ok;

    /// <summary>NIR given as its 13 characters followed by its 2-digit key (15 characters).</summary>
    public static IdentifierCheck CheckNir(string? nirWithKey)
    {
        if (string.IsNullOrEmpty(nirWithKey))
        {
            return IdentifierCheck.Fail("NIR is required.");
        }

        if (nirWithKey.Length != 15)
        {
            return IdentifierCheck.Fail($"NIR with its key must be 15 characters, not {nirWithKey.Length}.");
        }

        return CheckNir(nirWithKey[..13], nirWithKey[13..]);
    }

    /// <summary>
    /// NIR: 13 characters (digits; the département, positions 6-7, may be 2A or 2B) and a 2-digit key
    /// equal to 97 - (n mod 97), where Corsica's 2A counts as 19 and 2B as 18.
    /// </summary>
    public static IdentifierCheck CheckNir(string? nir, string? key)
    {
        if (string.IsNullOrEmpty(nir))
        {
            return IdentifierCheck.Fail("NIR is required.");
        }

        if (nir.Length != 13)
        {
            return IdentifierCheck.Fail($"NIR must be 13 characters, not {nir.Length}.");
        }

        if (string.IsNullOrEmpty(key))
        {
            return IdentifierCheck.Fail("NIR key is required.");
        }

        if (key.Length != 2 || !IsAllDigits(key))
        {
            return IdentifierCheck.Fail("NIR key must be 2 digits.");
        }

        // Positions 6-7 (indexes 5-6) hold the département of birth.
        var departement = nir.AsSpan(5, 2);
        string digits;
        if (departement.SequenceEqual("2A"))
        {
            digits = string.Concat(nir.AsSpan(0, 5), "19", nir.AsSpan(7));
        }
        else if (departement.SequenceEqual("2B"))
        {
            digits = string.Concat(nir.AsSpan(0, 5), "18", nir.AsSpan(7));
        }
        else
        {
            digits = nir;
        }

        if (!IsAllDigits(digits))
        {
            return IdentifierCheck.Fail("NIR must be digits, except 2A or 2B as the département (positions 6-7).");
        }

        // 13 digits fit in a long (< 10^13).
        var n = long.Parse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);
        var expected = 97 - (int)(n % 97);
        var given = (key[0] - '0') * 10 + (key[1] - '0');
        return given == expected
            ? IdentifierCheck.Ok
            : IdentifierCheck.Fail("NIR key is wrong (97 - NIR mod 97).");
    }

    /// <summary>
    /// True when <paramref name="digits"/> is non-empty, all ASCII digits, and passes the Luhn check
    /// (every second digit from the right doubled, the sum a multiple of 10).
    /// </summary>
    public static bool Luhn(ReadOnlySpan<char> digits)
    {
        if (digits.IsEmpty)
        {
            return false;
        }

        var sum = 0;
        var doubled = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var c = digits[i];
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            var d = c - '0';
            if (doubled)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubled = !doubled;
        }

        return sum % 10 == 0;
    }

    private enum AllowedChars
    {
        Digits,
        DigitsAndUppercase,
    }

    private static IdentifierCheck CheckDigitsWithLuhn(string? value, string name, int length)
    {
        if (Shape(value, name, length, AllowedChars.Digits) is { } shapeError)
        {
            return IdentifierCheck.Fail(shapeError);
        }

        return Luhn(value) ? IdentifierCheck.Ok : IdentifierCheck.Fail($"{name} check digit is wrong (Luhn).");
    }

    /// <summary>Null when the value has the length and characters asked for, else the reason.</summary>
    private static string? Shape(string? value, string name, int length, AllowedChars allowed)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{name} is required.";
        }

        if (value.Length != length)
        {
            return $"{name} must be {length} characters, not {value.Length}.";
        }

        foreach (var c in value)
        {
            // ASCII only: char.IsDigit would let other scripts' digits through.
            var ok = char.IsAsciiDigit(c) || (allowed == AllowedChars.DigitsAndUppercase && char.IsAsciiLetterUpper(c));
            if (!ok)
            {
                return allowed == AllowedChars.Digits
                    ? $"{name} must be {length} digits."
                    : $"{name} must be {length} characters among 0-9 and A-Z.";
            }
        }

        return null;
    }

    private static bool IsAllDigits(string value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
