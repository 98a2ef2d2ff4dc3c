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
            Ensure(22 + Leading(Fonts.Value) * Math.Min(section.Fields.Count, 2));
            var g = G;
            g.DrawRectangle(new XSolidBrush(Shade), Margin, _y - 11, Width, 17);
            g.DrawString(section.Title, Fonts.Heading, new XSolidBrush(Accent), Margin + 5, _y + 1);
            _y += 20;
            foreach (var field in section.Fields)
            {
                var valueLines = Wrap(G, field.Value, Fonts.Value, Width - LabelWidth);
                var labelLines = Wrap(G, field.Label, Fonts.Label, LabelWidth - 8);
                var height = Math.Max(valueLines.Count * Leading(Fonts.Value), labelLines.Count * Leading(Fonts.Label));
                Ensure(height + 4);
                for (var i = 0; i < labelLines.Count; i++)
                {
                    G.DrawString(labelLines[i], Fonts.Label, XBrushes.DimGray, Margin + 5, _y + i * Leading(Fonts.Label));
                }

                for (var i = 0; i < valueLines.Count; i++)
                {
                    G.DrawString(valueLines[i], Fonts.Value, XBrushes.Black, Margin + LabelWidth, _y + i * Leading(Fonts.Value));
                }

                _y += height;
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
                    while (g.MeasureString(line, font).Width > width && line.Length > 1)
                    {
                        var fit = line.Length - 1;
                        while (fit > 1 && g.MeasureString(line[..fit], font).Width > width)
                        {
                            fit--;
                        }

                        lines.Add(line[..fit]);
                        line = line[fit..];
                    }
                }

                lines.Add(line);
            }

            return lines;
        }
    }
}
