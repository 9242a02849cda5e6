using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PipShield.Service.Alerts;
using PipShield.Service.Hosting;

namespace PipShield.Service.Cli;

/// <summary><c>pipshield alerts</c>: recent infected-device alerts from the history file the service appends to,
/// one row per device and rule episode with its latest count, most recently seen first.</summary>
internal static class AlertsCommand
{
    public static Command Create(CliConsole console)
    {
        var json = new Option<bool>("--json") { Description = "Print a JSON array of the alerts as the webhook receives them." };
        var since = new Option<string>("--since") { Description = "Only alerts whose device was last seen within this time: 90s, 30m, 24h, 7d. Default 24h.", DefaultValueFactory = _ => "24h" };
        var limit = new Option<int>("--limit") { Description = "Show at most this many alerts. Default 50.", DefaultValueFactory = _ => 50 };
        var config = new Option<string?>("--config") { Description = "Configuration file that says where the history is (default: pipshield.json in the working directory, when present)." };
        var file = new Option<string?>("--file") { Description = "Read this history file instead of the configured one." };
        var command = new Command("alerts", "List recent infected-device alerts (queries for command-and-control names, blocked connections), newest first.")
        {
            json, since, limit, config, file,
        };

        command.SetAction(parseResult =>
        {
            try
            {
                TimeSpan window = ParseSince(parseResult.GetValue(since)!);
                int max = parseResult.GetValue(limit);
                if (max < 1)
                {
                    throw new CliException($"--limit: {max} is not a positive number");
                }

                string path = parseResult.GetValue(file) is { Length: > 0 } given ? Path.GetFullPath(given) : ConfiguredFile(parseResult.GetValue(config));
                return List(console, path, DateTimeOffset.UtcNow - window, parseResult.GetValue(since)!, max, parseResult.GetValue(json));
            }
            catch (CliException ex)
            {
                return console.Fail(ex.Message);
            }
        });
        return command;
    }

    /// <summary>A duration as <c>90s</c>, <c>30m</c>, <c>24h</c>, <c>7d</c>, or <c>hh:mm:ss</c>.</summary>
    /// <exception cref="CliException">It is none of those, or not positive.</exception>
    public static TimeSpan ParseSince(string text)
    {
        text = text.Trim();
        TimeSpan? parsed = null;
        if (text.Length > 1 && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            && double.IsFinite(value) && value is > 0 and < 1e6)
        {
            parsed = char.ToLowerInvariant(text[^1]) switch
            {
                's' => TimeSpan.FromSeconds(value),
                'm' => TimeSpan.FromMinutes(value),
                'h' => TimeSpan.FromHours(value),
                'd' => TimeSpan.FromDays(value),
                _ => null,
            };
        }
        else if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan span) && span > TimeSpan.Zero)
        {
            parsed = span;
        }

        return parsed ?? throw new CliException($"--since: '{text}' is not a duration such as 30m, 24h or 7d");
    }

    /// <summary>The history file the service writes with this configuration.</summary>
    private static string ConfiguredFile(string? configFile)
    {
        try
        {
            using IHost host = ResolverHost.Build(new RunSettings { ConfigFile = configFile });
            AlertsOptions alerts = host.Services.GetRequiredService<IOptions<AlertsOptions>>().Value;
            ListsOptions lists = host.Services.GetRequiredService<IOptions<ListsOptions>>().Value;
            return alerts.EffectiveHistoryFile(AlertsServices.StateDirectory(lists));
        }
        catch (Exception ex) when (ex is StartupException or OptionsValidationException or InvalidOperationException or InvalidDataException or IOException)
        {
            throw new CliException(ex.Message);
        }
    }

    private static int List(CliConsole console, string path, DateTimeOffset cutoff, string since, int limit, bool json)
    {
        // One row per alert episode: a repeat or an update line (same id) replaces the row with newer figures.
        var latest = new Dictionary<string, (JsonElement Alert, DateTimeOffset LastSeen, int Line)>(StringComparer.Ordinal);
        int lines = 0;
        int unreadable = 0;
        bool found = false;
        foreach (string file in new[] { AlertHistory.Previous(path), path })
        {
            if (!File.Exists(file))
            {
                continue;
            }

            found = true;
            foreach (string line in ReadLines(file))
            {
                if (line.Length == 0)
                {
                    continue;
                }

                if (!TryParse(line, out JsonElement alert, out DateTimeOffset lastSeen))
                {
                    unreadable++;
                    continue;
                }

                string id = alert.TryGetProperty("id", out JsonElement i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : "line " + lines;
                latest[id] = (alert, lastSeen, lines++);
            }
        }

        if (unreadable > 0)
        {
            console.Note($"{path}: skipped {unreadable} unreadable lines");
        }

        List<JsonElement> alerts = [.. latest.Values.Where(a => a.LastSeen >= cutoff).OrderByDescending(a => a.LastSeen).ThenByDescending(a => a.Line).Select(a => a.Alert)];
        List<JsonElement> shown = [.. alerts.Take(limit)];
        if (json)
        {
            WriteJson(console.Out, shown);
        }
        else if (!found)
        {
            console.Out.WriteLine($"No alerts: {path} does not exist yet (the service creates it with the first alert).");
        }
        else if (shown.Count == 0)
        {
            console.Out.WriteLine($"No alerts in the last {since} ({path}).");
        }
        else
        {
            WriteText(console.Out, shown, alerts.Count);
        }

        return ExitCodes.Success;
    }

    private static IEnumerable<string> ReadLines(string file)
    {
        try
        {
            // The service may be appending: share the file rather than lock it.
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var lines = new List<string>();
            for (string? line; (line = reader.ReadLine()) is not null;)
            {
                lines.Add(line);
            }

            return lines;
        }
        catch (Exception ex) when (CliFiles.IsFileError(ex))
        {
            throw new CliException($"{file}: {ex.Message}");
        }
    }

    /// <summary>A history line and its <c>lastSeen</c> time (else its <c>time</c>); false for anything else.</summary>
    private static bool TryParse(string line, out JsonElement alert, out DateTimeOffset time)
    {
        alert = default;
        time = default;
        try
        {
            using var document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !((root.TryGetProperty("lastSeen", out JsonElement t) && t.ValueKind == JsonValueKind.String)
                    || (root.TryGetProperty("time", out t) && t.ValueKind == JsonValueKind.String))
                || !t.TryGetDateTimeOffset(out time))
            {
                return false;
            }

            alert = root.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void WriteText(TextWriter output, List<JsonElement> alerts, int total)
    {
        var table = new TextTable("last seen (UTC)", "device", "kind", "rule", "category", "count", "first seen (UTC)");
        foreach (JsonElement alert in alerts)
        {
            table.AddRow(
                Time(alert, "lastSeen"),
                Text(alert, "deviceName") is { Length: > 0 } name ? $"{Text(alert, "device")} ({name})" : Text(alert, "device"),
                Text(alert, "kind"),
                Text(alert, "rule"),
                Text(alert, "category"),
                alert.TryGetProperty("count", out JsonElement c) && c.TryGetInt64(out long count) ? TextTable.Count(count) : "-",
                Time(alert, "firstSeen"));
        }

        table.WriteTo(output);
        if (total > alerts.Count)
        {
            output.WriteLine($"({total - alerts.Count} older alerts not shown; see --limit)");
        }
    }

    private static void WriteJson(TextWriter output, List<JsonElement> alerts)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (JsonElement alert in alerts)
            {
                alert.WriteTo(json);
            }

            json.WriteEndArray();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>A string field with control characters replaced, so a hostile history line cannot drive the terminal.</summary>
    private static string Text(JsonElement alert, string key) =>
        alert.TryGetProperty(key, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? string.Create(value.GetString()!.Length, value.GetString()!, static (span, text) =>
            {
                for (int i = 0; i < text.Length; i++)
                {
                    span[i] = char.IsControl(text[i]) ? '?' : text[i];
                }
            })
            : "";

    private static string Time(JsonElement alert, string key) =>
        alert.TryGetProperty(key, out JsonElement value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out DateTimeOffset time)
            ? time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
            : "-";
}
