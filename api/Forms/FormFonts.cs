using PdfSharp.Fonts;

namespace CpxTeleservice.Forms;

/// <summary>
/// The forms' one typeface, DejaVu Sans (regular and bold), read from the assembly's resources (built in
/// from Debian's fonts-dejavu-core; licence in Forms/DejaVu-LICENSE.txt). It covers French and the rest of
/// Latin, so accents are drawn and embedded, and the service reads no font from the machine it runs on.
/// </summary>
internal sealed class FormFonts : IFontResolver
{
    public const string Family = "DejaVu Sans";

    private const string Regular = "DejaVuSans";
    private const string Bold = "DejaVuSans-Bold";

    private static readonly FormFonts Instance = new();
    private static readonly Lock Gate = new();

    private readonly Lazy<byte[]> _regular = new(() => Load(Regular));
    private readonly Lazy<byte[]> _bold = new(() => Load(Bold));

    /// <summary>
    /// Installs the resolver, once per process: PDFsharp keeps it in a static, to be set before its first
    /// font operation and, if set again, to the same instance.
    /// </summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (!ReferenceEquals(GlobalFontSettings.FontResolver, Instance))
            {
                GlobalFontSettings.FontResolver = Instance;
            }
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool isBold, bool isItalic) =>
        string.Equals(familyName, Family, StringComparison.OrdinalIgnoreCase)
            ? new FontResolverInfo(isBold ? Bold : Regular, mustSimulateBold: false, mustSimulateItalic: isItalic)
            : null;

    public byte[]? GetFont(string faceName) => faceName switch
    {
        Regular => _regular.Value,
        Bold => _bold.Value,
        _ => null,
    };

    private static byte[] Load(string face)
    {
        using var stream = typeof(FormFonts).Assembly.GetManifestResourceStream($"CpxTeleservice.Forms.{face}.ttf")
            ?? throw new InvalidOperationException($"The font resource {face}.ttf is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
