using PipShield.Blocklist;
using PipShield.Blocklist.Parsing;

namespace PipShield.Service.Feeds;

/// <summary>One feed of the catalogue.</summary>
/// <param name="Name">Unique; names the last-good file (<c>feeds/NAME.list</c>) and the source in lookups.</param>
/// <param name="Url">Where it is downloaded from (http or https); null for a local file.</param>
/// <param name="Path">A local file (full path); null for a download.</param>
/// <param name="Format">The syntax; null to detect it.</param>
/// <param name="Category">phishing, malware, c2, scam, …</param>
/// <param name="Action">How its names are answered; <see cref="RuleAction.Default"/> leaves it to the policy.</param>
/// <param name="Refresh">How often it is checked for an update.</param>
/// <param name="Licence">The licence its data is published under.</param>
/// <param name="Enabled">Downloaded and used; a disabled feed is listed only.</param>
/// <param name="Note">Why a feed is disabled, or anything else worth knowing.</param>
/// <param name="MinEntries">Fewest entries an update must hold; null for <see cref="FeedsOptions.MinEntries"/>.</param>
internal sealed record FeedDefinition(
    string Name,
    Uri? Url,
    string? Path,
    ListFormat? Format,
    string Category,
    RuleAction Action,
    TimeSpan Refresh,
    string Licence,
    bool Enabled,
    string? Note,
    int? MinEntries = null)
{
    /// <summary>The URL or path, for messages and logs. A URL's user info and query are left out: feeds that
    /// need an API key usually carry it there.</summary>
    public string Location => Url is null ? Path ?? string.Empty
        : Url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            + (Url.Query.Length > 0 ? "?…" : string.Empty);
}
