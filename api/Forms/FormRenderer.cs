using System.Globalization;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace CpxTeleservice.Forms;

/// <summary>
/// Draws a <see cref="FormDocument"/> as an A4 PDF with PDFsharp: a header naming the form, its prefilled
/// sections as label/value lines (long values wrap), the empty boxes, the signature blocks, and on every
/// page a footer with the reference and the edition time. Fonts are embedded (subset, Unicode), so the text
/// prints and extracts with its accents on any machine.
/// </summary>
internal static class FormRenderer
{
    private const double Margin = 50;
    private const double LabelWidth = 175;
    private const double FooterHeight = 30;

    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    private static readonly XPdfFontOptions Unicode = new(PdfFontEncoding.Unicode);
    private static readonly XColor Accent = XColor.FromArgb(0, 84, 147);
    private static readonly XColor Shade = XColor.FromArgb(232, 238, 245);

    static FormRenderer() => FormFonts.Register();

    public static byte[] Render(FormDocument form)
    {
        using var document = new PdfDocument();
        document.Info.Title = $"Formulaire {form.Number} – {form.Title}";
        document.Info.Subject = form.Purpose;
        document.Info.Creator = "CpxTeleservice";
        document.Info.CreationDate = form.EditedAt.UtcDateTime;

        var page = new Page(document, form);
        page.Header();
        page.Paragraph(form.Purpose, page.Fonts.Text, XBrushes.Black);
        foreach (var section in form.Sections)
        {
            page.Section(section);
        }

        foreach (var box in form.Boxes)
        {
            page.Box(box);
        }

        page.Signatures(form.Signatures);
        page.Close();

        using var output = new MemoryStream();
        document.Save(output, false);
        return output.ToArray();
    }

    /// <summary>Formats an instant as the Paris date and time the forms print, e.g. <c>29/11/2026 à 14:05</c>.</summary>
    public static string ParisDateTime(DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, Paris).ToString("dd/MM/yyyy 'à' HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Formats an instant as its Paris calendar date, e.g. <c>29/11/2026</c>.</summary>
    public static string ParisDate(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Paris).ToString("dd/MM/yyyy", CultureInfo.InvariantCulture);

    /// <summary>The fonts of one document.</summary>
    private sealed class FontSet
    {
        public XFont Small { get; } = new(FormFonts.Family, 8, XFontStyleEx.Regular, Unicode);
        public XFont Label { get; } = new(FormFonts.Family, 9, XFontStyleEx.Regular, Unicode);
        public XFont Text { get; } = new(FormFonts.Family, 9.5, XFontStyleEx.Regular, Unicode);
        public XFont Value { get; } = new(FormFonts.Family, 10, XFontStyleEx.Bold, Unicode);
        public XFont Heading { get; } = new(FormFonts.Family, 11, XFontStyleEx.Bold, Unicode);
        public XFont Title { get; } = new(FormFonts.Family, 17, XFontStyleEx.Bold, Unicode);
    }

    /// <summary>The page being drawn, and the vertical position on it; a block that does not fit starts a new page.</summary>
    private sealed class Page(PdfDocument document, FormDocument form)
    {
        private XGraphics? _graphics;
        private PdfPage? _page;
        private double _y;
        private int _number;

        public FontSet Fonts { get; } = new();

        private XGraphics G => _graphics ?? NewPage();

        private double Width => _page!.Width.Point - 2 * Margin;

        private double Bottom => _page!.Height.Point - Margin - FooterHeight;

        public void Header()
        {
            var g = G;
            g.DrawString("Agence du Numérique en Santé – produits de certification CPx", Fonts.Small, XBrushes.DimGray, Margin, _y);
            _y += 26;
            g.DrawString($"Formulaire {form.Number}", Fonts.Title, new XSolidBrush(Accent), Margin, _y);
            _y += 20;
            Paragraph(form.Title, Fonts.Heading, new XSolidBrush(Accent));
            g.DrawLine(new XPen(Accent, 1.2), Margin, _y, Margin + Width, _y);
            _y += 16;
        }

        public void Paragraph(string text, XFont font, XBrush brush)
        {
            var lines = Wrap(G, text, font, Width);
            Ensure(lines.Count * Leading(font));
            foreach (var line in lines)
            {
                G.DrawString(line, font, brush, Margin, _y);
                _y += Leading(font);
            }

            _y += 6;
        }

        public void Section(FormSection section)
        {
            var rows = section.Fields
                .Select(f => (Label: Wrap(G, f.Label, Fonts.Label, LabelWidth - 8), Value: Wrap(G, f.Value, Fonts.Value, Width - LabelWidth)))
                .ToList();
            var leading = Leading(Fonts.Value);
            // The title stays with its first row; a row stays on one page when it fits on one.
            Ensure(Math.Min(20 + (rows.Count == 0 ? 0 : Math.Max(rows[0].Label.Count, rows[0].Value.Count) * leading), Bottom - Margin));
            var g = G;
            g.DrawRectangle(new XSolidBrush(Shade), Margin, _y - 11, Width, 17);
            g.DrawString(section.Title, Fonts.Heading, new XSolidBrush(Accent), Margin + 5, _y + 1);
            _y += 20;
            foreach (var (label, value) in rows)
            {
                var count = Math.Max(label.Count, value.Count);
                Ensure(Math.Min(count * leading + 4, Bottom - Margin));
                for (var i = 0; i < count; i++)
                {
                    Ensure(leading);
                    if (i < label.Count)
                    {
                        G.DrawString(label[i], Fonts.Label, XBrushes.DimGray, Margin + 5, _y);
                    }

                    if (i < value.Count)
                    {
                        G.DrawString(value[i], Fonts.Value, XBrushes.Black, Margin + LabelWidth, _y);
                    }

                    _y += leading;
                }

                G.DrawLine(new XPen(XColors.Gainsboro, 0.5), Margin, _y - 8, Margin + Width, _y - 8);
                _y += 4;
            }

            _y += 8;
        }

        public void Box(FormBox box)
        {
            var captionLines = Wrap(G, box.Caption, Fonts.Small, Width - 12);
            Ensure(box.Height + 18);
            var g = G;
            g.DrawString(box.Title, Fonts.Heading, new XSolidBrush(Accent), Margin, _y);
            _y += 6;
            g.DrawRectangle(new XPen(Accent, 1), Margin, _y, Width, box.Height);
            for (var i = 0; i < captionLines.Count; i++)
            {
                g.DrawString(captionLines[i], Fonts.Small, XBrushes.DimGray, Margin + 6, _y + 12 + i * Leading(Fonts.Small));
            }

            _y += box.Height + 22;
        }

        public void Signatures(IReadOnlyList<FormSignature> signatures)
        {
            const double height = 85;
            const double gap = 16;
            var columns = Math.Max(1, Math.Min(signatures.Count, 2));
            var width = (Width - gap * (columns - 1)) / columns;
            for (var start = 0; start < signatures.Count; start += columns)
            {
                Ensure(height);
                var g = G;
                for (var column = 0; column < columns && start + column < signatures.Count; column++)
                {
                    var signature = signatures[start + column];
                    var x = Margin + column * (width + gap);
                    var y = _y;
                    foreach (var line in Wrap(g, signature.Role, Fonts.Heading, width))
                    {
                        g.DrawString(line, Fonts.Heading, new XSolidBrush(Accent), x, y);
                        y += Leading(Fonts.Heading);
                    }

                    if (signature.Name is { } name)
                    {
                        foreach (var line in Wrap(g, name, Fonts.Value, width))
                        {
                            g.DrawString(line, Fonts.Value, XBrushes.Black, x, y);
                            y += Leading(Fonts.Value);
                        }
                    }

                    y += 8;
                    g.DrawString("Date :", Fonts.Label, XBrushes.DimGray, x, y);
                    g.DrawLine(new XPen(XColors.Gray, 0.6), x + 32, y + 2, x + width, y + 2);
                    y += 18;
                    g.DrawString("Signature :", Fonts.Label, XBrushes.DimGray, x, y);
                    g.DrawLine(new XPen(XColors.Gray, 0.6), x, _y + height - 4, x + width, _y + height - 4);
                }

                _y += height + 10;
            }
        }

        public void Close() => Footer();

        private void Ensure(double height)
        {
            if (_graphics is null || _y + height > Bottom)
            {
                NewPage();
            }
        }

        private XGraphics NewPage()
        {
            if (_graphics is not null)
            {
                Footer();
            }

            _page = document.AddPage();
            _page.Size = PdfSharp.PageSize.A4;
            _graphics = XGraphics.FromPdfPage(_page);
            _number++;
            _y = Margin;
            return _graphics;
        }

        private void Footer()
        {
            var g = _graphics!;
            var y = _page!.Height.Point - Margin - 10;
            g.DrawLine(new XPen(XColors.Gainsboro, 0.5), Margin, y - 12, Margin + Width, y - 12);
            g.DrawString($"Formulaire {form.Number} prérempli par CpxTeleservice le {ParisDateTime(form.EditedAt)} (heure de Paris)", Fonts.Small, XBrushes.DimGray, Margin, y);
            g.DrawString($"Référence {form.Reference}", Fonts.Small, XBrushes.DimGray, Margin, y + 11);
            g.DrawString($"Page {_number}", Fonts.Small, XBrushes.DimGray, new XRect(Margin, y - 8, Width, 10), XStringFormats.TopRight);
            g.Dispose();
        }

        private static double Leading(XFont font) => font.Size * 1.35;

        /// <summary>Breaks text into lines that fit <paramref name="width"/>: at spaces, and inside a word longer than a line.</summary>
        private static List<string> Wrap(XGraphics g, string text, XFont font, double width)
        {
            var lines = new List<string>();
            foreach (var paragraph in text.Split('\n'))
            {
                var line = "";
                foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var candidate = line.Length == 0 ? word : line + " " + word;
                    if (g.MeasureString(candidate, font).Width <= width)
                    {
                        line = candidate;
                        continue;
                    }

                    if (line.Length > 0)
                    {
                        lines.Add(line);
                    }

                    line = word;
                    while (line.Length > 1 && g.MeasureString(line, font).Width > width)
                    {
                        // The longest prefix that fits, by bisection: a long word costs a few measures per line.
                        int low = 1, high = line.Length - 1;
                        while (low < high)
                        {
                            var middle = (low + high + 1) / 2;
                            if (g.MeasureString(line[..middle], font).Width <= width)
                            {
                                low = middle;
                            }
                            else
                            {
                                high = middle - 1;
                            }
                        }

                        lines.Add(line[..low]);
                        line = line[low..];
                    }
                }

                lines.Add(line);
            }

            return lines;
        }
    }
}
