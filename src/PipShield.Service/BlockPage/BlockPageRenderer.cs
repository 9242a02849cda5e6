using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace PipShield.Service.BlockPage;

/// <summary>
/// Writes the warning page: one self-contained HTML document with inline CSS and no scripts, readable without
/// the CSS. Everything that comes from the request or the configuration is HTML-encoded.
/// </summary>
internal sealed class BlockPageRenderer(BlockPageOptions options)
{
    // Dark text on white and a dark red accent: all above the WCAG AA contrast ratio of 4.5:1.
    private const string Style = """
        body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:1.125rem;line-height:1.5;color:#1b1b1b;background:#fff}
        header{background:#8b0000;color:#fff;padding:1rem 1.5rem}
        header p{margin:0;font-weight:600}
        main{max-width:42rem;margin:0 auto;padding:1.5rem}
        h1{font-size:1.75rem;line-height:1.25;margin:0 0 1rem}
        h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
        .name{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1.125rem;word-break:break-all;background:#f3f3f3;padding:.1rem .3rem}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
        dt{font-weight:600}
        dd{margin:0}
        a{color:#0b3d91}
        footer{max-width:42rem;margin:0 auto;padding:0 1.5rem 1.5rem;color:#444;font-size:1rem}
        """;

    private readonly HtmlEncoder _html = HtmlEncoder.Default;

    public string Render(BlockPageModel model)
    {
        var page = new StringBuilder(4096);
        string organisation = _html.Encode(options.Organisation);
        string displayName = model.Name is null ? "this website" : _html.Encode(model.Name);

        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"robots\" content=\"noindex\">\n")
            .Append("<title>Blocked: ").Append(displayName).Append(" – ").Append(organisation).Append("</title>\n")
            .Append("<style>").Append(Style).Append("</style>\n</head>\n<body>\n")
            .Append("<header><p>").Append(organisation).Append(" – protective DNS</p></header>\n<main>\n");

        if (model.Listed)
        {
            page.Append("<h1>This website was blocked to protect you</h1>\n<p>Your device tried to open <span class=\"name\">")
                .Append(displayName).Append("</span>");
            AppendUnicode(page, model);
            page.Append(". ").Append(organisation)
                .Append(" stopped it because the site is listed as ")
                .Append(_html.Encode(BlockPageText.ExplainCategory(model.Category ?? string.Empty)))
                .Append(".</p>\n<p>Nothing was downloaded or sent to the site.</p>\n")
                .Append("<h2>Why it was blocked</h2>\n<dl>\n<dt>Website</dt><dd><span class=\"name\">").Append(displayName).Append("</span></dd>\n")
                .Append("<dt>Category</dt><dd>").Append(_html.Encode(model.Category ?? "unknown")).Append("</dd>\n")
                .Append("<dt>Source list</dt><dd>").Append(_html.Encode(model.Source ?? "unknown")).Append("</dd>\n");
        }
        else if (model.Name is null || System.Net.IPAddress.TryParse(model.Name, out _))
        {
            // Opened by address, or a Host that is not a name: there is no site to look up.
            page.Append("<h1>").Append(organisation).Append(" warning page</h1>\n<p>")
                .Append(model.Name is null ? "The name of the website your device asked for could not be read, so it cannot be checked."
                    : "You opened this page by its address. Devices are sent here when they try to open a blocked website.")
                .Append("</p>\n<h2>Details</h2>\n<dl>\n");
        }
        else
        {
            page.Append("<h1>This website is not blocked any more</h1>\n<p>Your device was sent here for <span class=\"name\">")
                .Append(displayName).Append("</span>");
            AppendUnicode(page, model);
            page.Append(", but that name is no longer listed on ").Append(organisation)
                .Append("’s block lists. Your device may have remembered the old answer for a minute or so.</p>\n")
                .Append("<h2>Details</h2>\n<dl>\n<dt>Website</dt><dd><span class=\"name\">").Append(displayName).Append("</span></dd>\n")
                .Append("<dt>Listed now</dt><dd>No</dd>\n");
        }

        page.Append("<dt>When</dt><dd>").Append(_html.Encode(Format(model.When))).Append("</dd>\n");
        if (model.ListsBuilt is { } built)
        {
            page.Append("<dt>Lists updated</dt><dd>").Append(_html.Encode(Format(built))).Append("</dd>\n");
        }

        page.Append("</dl>\n<h2>What to do next</h2>\n<ul>\n");
        if (model.Listed)
        {
            page.Append("<li>Do not try to reach this site another way, and do not click the link again.</li>\n")
                .Append("<li>If you typed a password or a code on this site, change it now and tell ")
                .Append(_html.Encode(options.Contact)).Append(".</li>\n");
        }
        else
        {
            page.Append("<li>Wait a minute, then try the site again.</li>\n");
        }

        page.Append("<li>If you have questions, contact ").Append(_html.Encode(options.Contact)).Append(".</li>\n");
        if (model.Listed)
        {
            page.Append("<li>If you think this site is safe and was blocked by mistake, ");
            string? link = options.ReportAddress is null ? null : BlockPageText.ReportLink(options.ReportAddress);
            if (link is not null)
            {
                page.Append("report it at <a href=\"").Append(_html.Encode(link)).Append("\">")
                    .Append(_html.Encode(options.ReportAddress!)).Append("</a>");
            }
            else
            {
                page.Append("tell ").Append(_html.Encode(options.Contact));
            }

            page.Append(" and give the website name shown above. Once it is fixed, the site works again within a few minutes.</li>\n");
        }

        page.Append("</ul>\n</main>\n<footer><p>This page comes from ").Append(organisation)
            .Append("’s PipShield filter, not from the website you asked for.</p></footer>\n</body>\n</html>\n");
        return page.ToString();
    }

    private void AppendUnicode(StringBuilder page, BlockPageModel model)
    {
        if (model.UnicodeName is not null)
        {
            // Shown beside the A-label, never instead of it: look-alike letters are a phishing trick.
            page.Append(" (written as <span class=\"name\">").Append(_html.Encode(model.UnicodeName)).Append("</span>)");
        }
    }

    private static string Format(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("d MMMM yyyy 'at' HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
