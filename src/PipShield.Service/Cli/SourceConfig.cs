using System.Text.Json;
using PipShield.Blocklist;
using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Parsing;

namespace PipShield.Service.Cli;

/// <summary>
/// Reads <c>compile --config FILE</c>:
/// <c>{"sources":[{"path":"…","name":"…","format":"…","category":"…","action":"…","allowlist":false}]}</c>.
/// Only <c>path</c> is required; relative paths are resolved against the config file's folder. Comments and
/// trailing commas are allowed. Every problem is reported as one line naming the file and the key.
/// </summary>
internal static class SourceConfig
{
    private static readonly string[] SourceKeys = ["path", "name", "format", "category", "action", "allowlist"];

    /// <exception cref="CliException">The file is missing, unreadable, not JSON, or has an unknown or bad key.</exception>
    public static List<ListInput> Load(string configPath)
    {
        CliFiles.RequireFile(configPath, "config file");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(configPath);
        }
        catch (Exception ex) when (CliFiles.IsFileError(ex))
        {
            throw new CliException(CliFiles.Describe(configPath, ex));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions
            {
                AllowTrailingCommas = true,
                CommentHandling = JsonCommentHandling.Skip,
            });
        }
        catch (JsonException ex)
        {
            // The message ends in " LineNumber: 2 | BytePositionInLine: 7."; say that as file:line:column instead.
            string reason = ex.Message;
            int at = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            reason = (at > 0 ? reason[..at] : reason).TrimEnd('.', ' ');
            throw new CliException($"{configPath}:{ex.LineNumber + 1}:{ex.BytePositionInLine + 1}: invalid JSON: {reason}");
        }

        using (document)
        {
            string folder = Path.GetDirectoryName(Path.GetFullPath(configPath)) ?? ".";
            return ReadRoot(configPath, folder, document.RootElement);
        }
    }

    private static List<ListInput> ReadRoot(string file, string folder, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Problem(file, "(top level)", "expected an object with a \"sources\" array");
        }

        JsonElement? sources = null;
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (property.Name != "sources")
            {
                throw Problem(file, property.Name, "unknown key; the top level has only \"sources\"");
            }

            if (sources is not null)
            {
                throw Problem(file, "sources", "duplicate key");
            }

            sources = property.Value;
        }

        if (sources is not { ValueKind: JsonValueKind.Array } array)
        {
            throw Problem(file, "sources", sources is null ? "missing; expected an array of sources" : "expected an array of sources");
        }

        var inputs = new List<ListInput>();
        int index = 0;
        foreach (JsonElement source in array.EnumerateArray())
        {
            inputs.Add(ReadSource(file, folder, $"sources[{index}]", source));
            index++;
        }

        return inputs;
    }

    private static ListInput ReadSource(string file, string folder, string at, JsonElement source)
    {
        if (source.ValueKind != JsonValueKind.Object)
        {
            throw Problem(file, at, "expected an object with at least \"path\"");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty property in source.EnumerateObject())
        {
            if (Array.IndexOf(SourceKeys, property.Name) < 0)
            {
                throw Problem(file, $"{at}.{property.Name}", $"unknown key; expected one of {string.Join(", ", SourceKeys)}");
            }

            if (!seen.Add(property.Name))
            {
                throw Problem(file, $"{at}.{property.Name}", "duplicate key");
            }
        }

        string path = GetString(file, at, source, "path")
            ?? throw Problem(file, $"{at}.path", "missing; every source needs the path of its list file");
        if (path.Length == 0)
        {
            throw Problem(file, $"{at}.path", "empty");
        }

        bool isAllowlist = false;
        if (source.TryGetProperty("allowlist", out JsonElement allowlist))
        {
            isAllowlist = allowlist.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Problem(file, $"{at}.allowlist", "expected true or false"),
            };
        }

        ListFormat? format = null;
        if (GetString(file, at, source, "format") is { } formatText)
        {
            format = ListParser.TryParseFormatName(formatText, out ListFormat parsed)
                ? parsed
                : throw Problem(file, $"{at}.format", $"'{formatText}' is not a list format; expected hosts, domains, adblock, rpz or ip");
        }

        RuleAction action = GetString(file, at, source, "action") is { } actionText
            ? ParseAction(actionText) ?? throw Problem(file, $"{at}.action", $"'{actionText}' is not an action; expected nxdomain, sinkhole, nodata or refused")
            : RuleAction.Default;

        string fullPath = Path.GetFullPath(Path.Combine(folder, path));
        string name = NonEmpty(file, $"{at}.name", GetString(file, at, source, "name")) ?? Path.GetFileName(fullPath);
        string category = NonEmpty(file, $"{at}.category", GetString(file, at, source, "category"))
            ?? (isAllowlist ? SourceSpec.AllowlistCategory : SourceSpec.GuessCategory(fullPath));
        return new ListInput(fullPath, new SourceDescriptor(name, category, format, action, isAllowlist));
    }

    /// <summary>An action as the sources file and the feed catalogue spell it; null for an unknown word.</summary>
    internal static RuleAction? ParseAction(string text) => text.Trim().ToLowerInvariant() switch
    {
        "nxdomain" => RuleAction.NxDomain,
        "sinkhole" => RuleAction.Sinkhole,
        "nodata" => RuleAction.NoData,
        "refused" => RuleAction.Refused,
        _ => null,
    };

    /// <summary>The key's string value; null when the key is absent or JSON null.</summary>
    private static string? GetString(string file, string at, JsonElement source, string key)
    {
        if (!source.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw Problem(file, $"{at}.{key}", $"expected a string, found {value.ValueKind.ToString().ToLowerInvariant()}");
    }

    private static string? NonEmpty(string file, string at, string? value) =>
        value is null ? null
        : string.IsNullOrWhiteSpace(value) ? throw Problem(file, at, "empty")
        : value;

    private static CliException Problem(string file, string key, string problem) => new($"{file}: {key}: {problem}");
}
