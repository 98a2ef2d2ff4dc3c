namespace CpxTeleservice.Problems;

/// <summary>
/// What one problem type says in one language: its <c>title</c>, what happened (<c>meaning</c>, the
/// phrase openapi.yaml's list carries, from which the problem's <c>detail</c> is made) and what to do.
/// </summary>
internal sealed record ProblemText(string Title, string Meaning, string Action)
{
    /// <summary>The meaning as a sentence: capitalised, without Markdown code marks, ending with a full stop.</summary>
    public string Detail
    {
        get
        {
            var text = Meaning.Replace("`", "", StringComparison.Ordinal);
            return string.Concat(char.ToUpperInvariant(text[0]).ToString(), text.AsSpan(1), text.EndsWith('.') ? "" : ".");
        }
    }
}
