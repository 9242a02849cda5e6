using QRCoder;

namespace PipShield.Service.Enrolment;

/// <summary>A QR code as inline SVG: no image request, nothing for the page's content security policy to allow.</summary>
internal static class EnrolmentQr
{
    /// <summary>The SVG element for <paramref name="text"/>, with a text alternative naming what it holds.</summary>
    public static string Svg(string text, string description)
    {
        // Medium error correction: survives a scuffed screen, keeps the code small enough to scan from a phone.
        using QRCodeData data = QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.M);
        using var svg = new SvgQRCode(data);
        string markup = svg.GetGraphic(new System.Drawing.Size(240, 240), "#000000", "#ffffff", drawQuietZones: true,
            SvgQRCode.SizingMode.ViewBoxAttribute);
        int start = markup.IndexOf("<svg", StringComparison.Ordinal);
        markup = start >= 0 ? markup[start..] : markup;
        // role and aria-label make screen readers announce the image instead of hundreds of rectangles.
        return markup.Replace("<svg ", $"<svg role=\"img\" aria-label=\"{System.Text.Encodings.Web.HtmlEncoder.Default.Encode(description)}\" ", StringComparison.Ordinal);
    }
}
