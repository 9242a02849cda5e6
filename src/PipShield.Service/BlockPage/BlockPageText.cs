namespace PipShield.Service.BlockPage;

/// <summary>The plain-language wording of the page that does not depend on the request.</summary>
internal static class BlockPageText
{
    /// <summary>What a category means, for someone who is not a security specialist.</summary>
    public static string ExplainCategory(string category) => category.ToLowerInvariant() switch
    {
        "phishing" => "a site made to trick people into giving away passwords, codes or personal details",
        "malware" => "a site known to spread harmful software",
        "c2" or "botnet" => "a server that harmful software uses to take instructions",
        "scam" or "fraud" => "a site used for scams or fraud",
        "spyware" or "stalkerware" => "a site linked to software that spies on people",
        "tracking" or "ads" => "a site that tracks people across the web",
        _ => "a site on a list of dangerous or unwanted sites",
    };

    /// <summary>A link for a false-positive report: mailto: for an email address, the URL for https://; null otherwise.</summary>
    public static string? ReportLink(string report)
    {
        if (Uri.TryCreate(report, UriKind.Absolute, out Uri? uri) && uri.Scheme == Uri.UriSchemeHttps)
        {
            return uri.AbsoluteUri;
        }

        return BlockPageOptionsValidator.IsEmail(report) ? "mailto:" + report : null;
    }
}
