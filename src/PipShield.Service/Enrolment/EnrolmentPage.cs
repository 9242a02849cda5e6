using System.Text;
using System.Text.Encodings.Web;

namespace PipShield.Service.Enrolment;

/// <summary>
/// Writes a device's enrolment page: how to point each platform at the device's own encrypted-DNS address, and a QR
/// code of the page to open it on the device itself. One HTML document, inline CSS, no scripts, no external assets;
/// everything from configuration or the request is HTML-encoded.
/// </summary>
internal static class EnrolmentPage
{
    private const string Style = """
        body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:1.125rem;line-height:1.5;color:#1b1b1b;background:#fff}
        header{background:#0b3d91;color:#fff;padding:1rem 1.5rem}
        header p{margin:0;font-weight:600}
        main{max-width:46rem;margin:0 auto;padding:1.5rem}
        h1{font-size:1.75rem;line-height:1.25;margin:0 0 1rem}
        h2{font-size:1.25rem;margin:2rem 0 .5rem}
        code{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all;background:#f3f3f3;padding:.1rem .3rem}
        .warning{border-left:.3rem solid #8b0000;padding:.25rem .75rem;background:#fdf3f3}
        svg{width:15rem;height:15rem}
        a{color:#0b3d91}
        footer{max-width:46rem;margin:0 auto;padding:0 1.5rem 1.5rem;color:#444;font-size:1rem}
        """;

    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    /// <param name="pageUrl">This page's own address, for the QR code.</param>
    /// <param name="pageUrlIsLocalOnly">Whether <paramref name="pageUrl"/> works on the server itself only.</param>
    public static string Render(string deviceName, EnrolmentLinks links, string organisation, string pageUrl, bool pageUrlIsLocalOnly)
    {
        string name = Html.Encode(deviceName);
        string org = Html.Encode(organisation);
        var page = new StringBuilder(16 * 1024);
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"robots\" content=\"noindex\">\n")
            .Append("<title>Set up ").Append(name).Append(" – ").Append(org).Append("</title>\n")
            .Append("<style>").Append(Style).Append("</style>\n</head>\n<body>\n")
            .Append("<header><p>").Append(org).Append(" · PipShield protective DNS</p></header>\n")
            .Append("<main>\n<h1>Set up ").Append(name).Append("</h1>\n")
            .Append("<p>These settings send this device's DNS look-ups to PipShield, which stops it reaching known malicious sites. ")
            .Append("Follow the section for the device's system, or for the browser if you only want to protect one browser.</p>\n")
            .Append("<p class=\"warning\">The addresses below contain this device's own ID. Treat them like a password: ")
            .Append("use them on this device only, and do not share this page.</p>\n");
        if (links.NoEncryptedDns)
        {
            page.Append("<p class=\"warning\" id=\"not-configured\">Encrypted DNS is not configured on this server: the administrator ")
                .Append("has not set <code>Devices:DohBaseUrl</code> or <code>Devices:DotHostName</code> (or <code>Resolver:Server:Tls:HostName</code>, from which both follow), so there is no encrypted-DNS ")
                .Append("setting for this device yet. Ask your IT lead to set one, then open this page again.</p>\n");
        }

        Android(page, links);
        Apple(page, links);
        Windows(page, links);
        Browsers(page, links);

        page.Append("<h2 id=\"qr\">Open this page on the device</h2>\n")
            .Append("<p>Scan this code with the device's camera to open this page there.</p>\n")
            .Append(EnrolmentQr.Svg(pageUrl, "QR code of this page's address")).Append('\n')
            .Append("<p>Address: <code>").Append(Html.Encode(pageUrl)).Append("</code></p>\n");
        if (pageUrlIsLocalOnly)
        {
            page.Append("<p class=\"warning\" id=\"local-only\">This address only works on the PipShield server itself, so another ")
                .Append("device cannot follow it. Open this page by the server's network address instead, or ask your IT lead to set ")
                .Append("<code>BlockPage:AddressIPv4</code> (or <code>BlockPage:AddressIPv6</code>).</p>\n");
        }

        page
            .Append("</main>\n<footer><p>To stop protecting this device, undo the setting, then ask your IT lead to remove “")
            .Append(name).Append("” from PipShield.</p></footer>\n</body>\n</html>\n");
        return page.ToString();
    }

    /// <summary>The page for an ID that is not enrolled (or a path that is not an enrolment page).</summary>
    public static string NotFound(string organisation) => Simple(organisation, "Device not found",
        "There is no device with this address. It may have been removed; ask your IT lead for a new enrolment link.");

    /// <summary>The page for a client outside the allowed networks.</summary>
    public static string Forbidden(string organisation) => Simple(organisation, "Not available here",
        "Enrolment pages can only be opened from the networks PipShield serves.");

    private static void Android(StringBuilder page, EnrolmentLinks links)
    {
        page.Append("<h2 id=\"android\">Android (9 or later)</h2>\n");
        if (links.DotHost is null)
        {
            page.Append("<p>Private DNS is not set up on this server yet (it needs <code>Devices:DotHostName</code>).</p>\n");
            return;
        }

        page.Append("<ol>\n<li>Open <strong>Settings</strong>, then <strong>Network &amp; internet</strong> (or <strong>Connections</strong>, then <strong>More connection settings</strong>).</li>\n")
            .Append("<li>Tap <strong>Private DNS</strong> and choose <strong>Private DNS provider hostname</strong>.</li>\n")
            .Append("<li>Enter <code>").Append(Html.Encode(links.DotHost)).Append("</code> and tap <strong>Save</strong>.</li>\n</ol>\n");
    }

    private static void Apple(StringBuilder page, EnrolmentLinks links)
    {
        page.Append("<h2 id=\"apple\">iPhone, iPad and Mac</h2>\n");
        if (links.DohUrl is null && links.DotHost is null)
        {
            page.Append("<p>Encrypted DNS is not set up on this server yet (it needs <code>Devices:DohBaseUrl</code>).</p>\n");
            return;
        }

        page.Append("<ol>\n<li>On the device, open this page in Safari and download <a href=\"")
            .Append(Html.Encode(links.Id)).Append('/').Append(EnrolmentProfile.FileName).Append("\" download>the PipShield profile</a>.</li>\n")
            .Append("<li>iPhone and iPad: open <strong>Settings</strong>, tap <strong>Profile Downloaded</strong>, then <strong>Install</strong>. ")
            .Append("Mac: open <strong>System Settings</strong>, <strong>Privacy &amp; Security</strong>, <strong>Profiles</strong>, and install it.</li>\n")
            .Append("<li>Check it under <strong>Settings</strong>, <strong>General</strong>, <strong>VPN &amp; Device Management</strong>, <strong>DNS</strong>.</li>\n</ol>\n");
    }

    private static void Windows(StringBuilder page, EnrolmentLinks links)
    {
        page.Append("<h2 id=\"windows\">Windows 11</h2>\n");
        if (links.DohUrl is null || links.ServerAddresses.Count == 0)
        {
            page.Append("<p>Windows needs the server's DNS-over-HTTPS address and IP address; this server has not been given both yet (<code>Devices:DohBaseUrl</code>, <code>BlockPage:AddressIPv4</code>).</p>\n");
            return;
        }

        page.Append("<ol>\n<li>Open <strong>Settings</strong>, <strong>Network &amp; internet</strong>, then <strong>Wi-Fi</strong> or <strong>Ethernet</strong> and the network in use.</li>\n")
            .Append("<li>Next to <strong>DNS server assignment</strong>, choose <strong>Edit</strong>, then <strong>Manual</strong>.</li>\n")
            .Append("<li>For each of IPv4 and IPv6 that you turn on, enter as the preferred DNS server: ");
        for (int i = 0; i < links.ServerAddresses.Count; i++)
        {
            page.Append(i > 0 ? ", " : "").Append("<code>").Append(Html.Encode(links.ServerAddresses[i].ToString())).Append("</code>");
        }

        page.Append(".</li>\n<li>Set <strong>DNS over HTTPS</strong> to <strong>On (manual template)</strong> and enter the template <code>")
            .Append(Html.Encode(links.DohUrl)).Append("</code>. Turn off <strong>Fallback to plaintext</strong>.</li>\n")
            .Append("<li>Choose <strong>Save</strong>.</li>\n</ol>\n");
    }

    private static void Browsers(StringBuilder page, EnrolmentLinks links)
    {
        page.Append("<h2 id=\"chrome\">Chrome, Edge and other Chromium browsers</h2>\n");
        if (links.DohUrl is null)
        {
            page.Append("<p>Browsers need a DNS-over-HTTPS address; this server has none yet (<code>Devices:DohBaseUrl</code>).</p>\n");
            return;
        }

        string doh = Html.Encode(links.DohUrl);
        page.Append("<ol>\n<li>Open <strong>Settings</strong>, <strong>Privacy and security</strong>, <strong>Security</strong>.</li>\n")
            .Append("<li>Turn on <strong>Use secure DNS</strong>, choose <strong>Add custom DNS service provider</strong> (or <strong>Customised</strong>), and enter <code>")
            .Append(doh).Append("</code>.</li>\n</ol>\n")
            .Append("<h2 id=\"firefox\">Firefox</h2>\n")
            .Append("<ol>\n<li>Open <strong>Settings</strong>, <strong>Privacy &amp; Security</strong>, then <strong>DNS over HTTPS</strong>.</li>\n")
            .Append("<li>Choose <strong>Max Protection</strong>, set the provider to <strong>Custom</strong>, and enter <code>")
            .Append(doh).Append("</code>.</li>\n</ol>\n");
    }

    private static string Simple(string organisation, string title, string text)
    {
        string org = Html.Encode(organisation);
        return new StringBuilder(1024)
            .Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(title).Append(" – ").Append(org).Append("</title>\n")
            .Append("<style>").Append(Style).Append("</style>\n</head>\n<body>\n")
            .Append("<header><p>").Append(org).Append(" · PipShield protective DNS</p></header>\n")
            .Append("<main>\n<h1>").Append(title).Append("</h1>\n<p>").Append(text).Append("</p>\n</main>\n</body>\n</html>\n")
            .ToString();
    }
}
