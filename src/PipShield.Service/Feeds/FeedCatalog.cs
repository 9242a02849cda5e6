using System.Globalization;
using System.Text.Json;
using PipShield.Blocklist;
using PipShield.Blocklist.Parsing;
using PipShield.Service.Cli;

namespace PipShield.Service.Feeds;

/// <summary>
/// Reads the feed catalogue (<c>blocklists/feeds.json</c>):
/// <c>{"feeds":[{"name":"…","url":"https://…","format":"hosts","category":"malware","action":"sinkhole",
/// "refresh":"06:00:00","licence":"CC0-1.0","enabled":true,"note":"…","homepage":"…","minEntries":10}]}</c>.
/// Each feed has either <c>url</c> or <c>path</c> (relative to the catalogue's folder). Comments and trailing
/// commas are allowed; every problem is one line naming the file and the key.
/// </summary>
internal static class FeedCatalog
{
    /// <summary>Feeds are checked at most this often, to be polite to their publishers.</summary>
    public static readonly TimeSpan MinRefresh = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan DefaultRefresh = TimeSpan.FromHours(12);

    private static readonly string[] FeedKeys =
        ["name", "url", "path", "format", "category", "action", "refresh", "licence", "enabled", "note", "homepage", "minEntries"];

    /// <exception cref="FeedCatalogException">The file is missing, not JSON, or has an unknown or bad key.</exception>
    public static List<FeedDefinition> Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FeedCatalogException($"{path}: cannot read the feed catalogue: {ex.Message}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new FeedCatalogException($"{path}:{ex.LineNumber + 1}:{ex.BytePositionInLine + 1}: invalid JSON");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("feeds", out JsonElement feeds)
                || feeds.ValueKind != JsonValueKind.Array)
            {
                throw Problem(path, "feeds", "expected an object with a \"feeds\" array");
            }

            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name != "feeds")
                {
                    throw Problem(path, property.Name, "unknown key; the top level has only \"feeds\"");
                }
            }

            string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".";
            var result = new List<FeedDefinition>();
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            int index = 0;
            foreach (JsonElement feed in feeds.EnumerateArray())
            {
                FeedDefinition definition = ReadFeed(path, folder, $"feeds[{index}]", feed);
                if (!names.Add(definition.Name))
                {
                    throw Problem(path, $"feeds[{index}].name", $"'{definition.Name}' is used by an earlier feed");
                }

                result.Add(definition);
                index++;
            }

            return result;
        }
    }

    private static FeedDefinition ReadFeed(string file, string folder, string at, JsonElement feed)
    {
        if (feed.ValueKind != JsonValueKind.Object)
        {
            throw Problem(file, at, "expected an object with \"name\" and \"url\" or \"path\"");
        }

        foreach (JsonProperty property in feed.EnumerateObject())
        {
            if (Array.IndexOf(FeedKeys, property.Name) < 0)
            {
                throw Problem(file, $"{at}.{property.Name}", $"unknown key; expected one of {string.Join(", ", FeedKeys)}");
            }
        }

        string name = String(file, at, feed, "name") ?? throw Problem(file, $"{at}.name", "missing");
        if (!IsGoodName(name))
        {
            throw Problem(file, $"{at}.name", $"'{name}' must be 1-64 letters, digits, '-', '_' or '.', not starting with '.'");
        }

        string? urlText = String(file, at, feed, "url");
        string? pathText = String(file, at, feed, "path");
        Uri? url = null;
        string? path = null;
        if ((urlText is null) == (pathText is null))
        {
            throw Problem(file, at, "give exactly one of \"url\" and \"path\"");
        }

        if (urlText is not null)
        {
            if (!Uri.TryCreate(urlText, UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            {
                throw Problem(file, $"{at}.url", $"'{urlText}' is not an http or https URL");
            }
        }
        else
        {
            path = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, pathText!));
        }

        ListFormat? format = null;
        if (String(file, at, feed, "format") is { } formatText)
        {
            format = ListParser.TryParseFormatName(formatText, out ListFormat parsed)
                ? parsed
                : throw Problem(file, $"{at}.format", $"'{formatText}' is not a list format; expected hosts, domains, adblock, rpz or ip");
        }

        RuleAction action = String(file, at, feed, "action") is { } actionText
            ? SourceConfig.ParseAction(actionText) ?? throw Problem(file, $"{at}.action", $"'{actionText}' is not an action; expected nxdomain, sinkhole, nodata or refused")
            : RuleAction.Default;

        TimeSpan refresh = DefaultRefresh;
        if (String(file, at, feed, "refresh") is { } refreshText)
        {
            if (!TimeSpan.TryParse(refreshText, CultureInfo.InvariantCulture, out refresh) || refresh < MinRefresh)
            {
                throw Problem(file, $"{at}.refresh", $"'{refreshText}' is not a time span of at least {MinRefresh:hh\\:mm\\:ss} (e.g. \"06:00:00\")");
            }
        }

        bool enabled = true;
        if (feed.TryGetProperty("enabled", out JsonElement enabledValue))
        {
            enabled = enabledValue.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Problem(file, $"{at}.enabled", "expected true or false"),
            };
        }

        int? minEntries = null;
        if (feed.TryGetProperty("minEntries", out JsonElement minValue))
        {
            minEntries = minValue.ValueKind == JsonValueKind.Number && minValue.TryGetInt32(out int min) && min >= 0
                ? min
                : throw Problem(file, $"{at}.minEntries", "expected a whole number of at least 0");
        }

        string category = String(file, at, feed, "category") ?? "custom";
        string licence = String(file, at, feed, "licence") ?? "unknown";
        _ = String(file, at, feed, "homepage");
        return new FeedDefinition(name, url, path, format, category, action, refresh, licence, enabled, String(file, at, feed, "note"), minEntries);
    }

    /// <summary>Letters, digits, '-', '_' and '.': safe as a file name on every system.</summary>
    public static bool IsGoodName(string name) =>
        name.Length is > 0 and <= 64 && name[0] != '.' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static string? String(string file, string at, JsonElement feed, string key)
    {
        if (!feed.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw Problem(file, $"{at}.{key}", $"expected a string, found {value.ValueKind.ToString().ToLowerInvariant()}");
        }

        string text = value.GetString()!;
        return string.IsNullOrWhiteSpace(text) ? throw Problem(file, $"{at}.{key}", "empty") : text;
    }

    private static FeedCatalogException Problem(string file, string key, string problem) => new($"{file}: {key}: {problem}");
}
