using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PipShield.Service.Feeds;
using PipShield.Service.Hosting;

namespace PipShield.Service.Cli;

/// <summary>
/// <c>pipshield feeds update [--force] [--feed NAME]</c> and <c>pipshield feeds list [--json]</c>. Both read the
/// service's configuration (<c>--config</c>, else <c>pipshield.json</c>), so an update leaves the feed copies
/// where the running service picks them up with its reload check.
/// </summary>
internal static class FeedsCommand
{
    public static Command Create(CliConsole console)
    {
        var force = new Option<bool>("--force") { Description = "Accept an update even if it shrank by more than Feeds:MaxShrinkPercent." };
        var feed = new Option<string[]>("--feed") { Description = "Only this feed (repeatable); default every enabled feed.", HelpName = "NAME" };
        var updateConfig = ConfigOption();
        var update = new Command("update", "Download the enabled feeds now, check them and keep each good copy; progress on stderr. "
            + "Exits 1 if any feed failed (its last good copy stays).")
        {
            force, feed, updateConfig,
        };
        update.SetAction(async (parseResult, cancellationToken) => await UpdateAsync(console, parseResult.GetValue(updateConfig),
            parseResult.GetValue(feed) ?? [], parseResult.GetValue(force), cancellationToken).ConfigureAwait(false));

        var json = new Option<bool>("--json") { Description = "Print a JSON array instead of a table." };
        var listConfig = ConfigOption();
        var list = new Command("list", "Show each catalogue feed: enabled, category, age of the last good copy, entries, last result and when.")
        {
            json, listConfig,
        };
        list.SetAction(parseResult => List(console, parseResult.GetValue(listConfig), parseResult.GetValue(json)));

        return new Command("feeds", "Live threat feeds from the catalogue (Feeds:CatalogFile).") { update, list };
    }

    private static Option<string?> ConfigOption() => new("--config")
    {
        Description = "Configuration file (default: pipshield.json in the working directory, when present).",
        HelpName = "FILE",
    };

    private static async Task<int> UpdateAsync(CliConsole console, string? configFile, string[] names, bool force, CancellationToken cancellationToken)
    {
        try
        {
            using IHost host = BuildHost(configFile);
            FeedsOptions options = host.Services.GetRequiredService<IOptions<FeedsOptions>>().Value;
            ListsOptions lists = host.Services.GetRequiredService<IOptions<ListsOptions>>().Value;
            if (!options.Enabled)
            {
                return console.Fail("Feeds:Enabled is false: feeds are neither downloaded nor used");
            }

            List<FeedDefinition> catalog = FeedCatalog.Load(ImageLoader.Resolve(options.CatalogFile));
            List<FeedDefinition> selected = [.. catalog.Where(f => f.Enabled)];
            if (names.Length > 0)
            {
                selected = [];
                foreach (string name in names)
                {
                    FeedDefinition? match = catalog.Find(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
                    if (match is null)
                    {
                        return console.Fail($"--feed: no feed named '{name}' in the catalogue; 'pipshield feeds list' shows them");
                    }

                    if (!match.Enabled)
                    {
                        return console.Fail($"--feed: '{match.Name}' is disabled in the catalogue ({match.Note ?? "no note"}); set \"enabled\": true to use it");
                    }

                    selected.Add(match);
                }
            }

            var http = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(FeedHttp.ClientName);
            var refresher = new FeedRefresher(options, new FeedStore(ImageLoader.StateDirectoryOf(lists)), http, NullLogger.Instance, TimeProvider.System);
            int failed = 0;
            foreach (FeedDefinition definition in selected)
            {
                console.Error.WriteLine($"{definition.Name}: downloading {definition.Location}");
                FeedOutcome outcome = await refresher.RefreshAsync(definition, force, cancellationToken).ConfigureAwait(false);
                console.Error.WriteLine(outcome.Result switch
                {
                    FeedResult.Updated => $"{definition.Name}: updated: {TextTable.Count(outcome.Bytes)} bytes, {TextTable.Count(outcome.Entries)} entries",
                    FeedResult.NotModified => $"{definition.Name}: not modified",
                    _ => $"{definition.Name}: failed: {outcome.Reason}",
                });
                failed += outcome.Result == FeedResult.Failed ? 1 : 0;
            }

            console.Error.WriteLine($"{selected.Count} feeds checked, {failed} failed; copies in {new FeedStore(ImageLoader.StateDirectoryOf(lists)).Folder}");
            return failed == 0 ? ExitCodes.Success : ExitCodes.Error;
        }
        catch (Exception ex) when (ex is FeedCatalogException or StartupException or OptionsValidationException or IOException or UnauthorizedAccessException)
        {
            return console.Fail(ex.Message);
        }
    }

    private static int List(CliConsole console, string? configFile, bool json)
    {
        try
        {
            using IHost host = BuildHost(configFile);
            FeedsOptions options = host.Services.GetRequiredService<IOptions<FeedsOptions>>().Value;
            ListsOptions lists = host.Services.GetRequiredService<IOptions<ListsOptions>>().Value;
            List<FeedDefinition> catalog = FeedCatalog.Load(ImageLoader.Resolve(options.CatalogFile));
            var store = new FeedStore(ImageLoader.StateDirectoryOf(lists));
            Dictionary<string, FeedState> states = store.Load();
            DateTimeOffset now = DateTimeOffset.UtcNow;
            if (json)
            {
                WriteJson(console.Out, catalog, states, store, now);
            }
            else
            {
                var table = new TextTable("NAME", "ENABLED", "CATEGORY", "AGE", "ENTRIES", "RESULT", "CHECKED");
                foreach (FeedDefinition feed in catalog)
                {
                    FeedState? state = states.GetValueOrDefault(feed.Name);
                    bool haveCopy = File.Exists(store.FileOf(feed.Name));
                    table.AddRow(feed.Name, feed.Enabled ? "yes" : "no", feed.Category,
                        haveCopy && state?.Updated is { } updated ? Age(now - updated) : "-",
                        haveCopy && state is not null ? TextTable.Count(state.Entries) : "-",
                        state?.Result is null ? "never" : state.Error is null ? state.Result : $"{state.Result}: {state.Error}",
                        state?.Checked is { } checkedAt ? Time(checkedAt) : "-");
                }

                table.WriteTo(console.Out);
            }

            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is FeedCatalogException or StartupException or OptionsValidationException or IOException)
        {
            return console.Fail(ex.Message);
        }
    }

    private static void WriteJson(TextWriter output, List<FeedDefinition> catalog, Dictionary<string, FeedState> states, FeedStore store, DateTimeOffset now)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartArray();
            foreach (FeedDefinition feed in catalog)
            {
                FeedState? state = states.GetValueOrDefault(feed.Name);
                bool haveCopy = File.Exists(store.FileOf(feed.Name));
                writer.WriteStartObject();
                writer.WriteString("name", feed.Name);
                writer.WriteBoolean("enabled", feed.Enabled);
                writer.WriteString("category", feed.Category);
                writer.WriteString(feed.Url is null ? "path" : "url", feed.Location);
                writer.WriteString("licence", feed.Licence);
                writer.WriteString("refresh", feed.Refresh.ToString("c", CultureInfo.InvariantCulture));
                if (haveCopy && state?.Updated is { } updated)
                {
                    writer.WriteString("updated", updated);
                    writer.WriteNumber("ageSeconds", (long)(now - updated).TotalSeconds);
                    writer.WriteNumber("entries", state.Entries);
                    writer.WriteNumber("bytes", state.Bytes);
                }

                writer.WriteString("result", state?.Result ?? "never");
                if (state?.Error is { } error)
                {
                    writer.WriteString("error", error);
                }

                if (state?.Checked is { } checkedAt)
                {
                    writer.WriteString("checked", checkedAt);
                }

                if (feed.Note is { } note)
                {
                    writer.WriteString("note", note);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>The service's configuration, without starting it; logging off so that stdout holds results only.</summary>
    private static IHost BuildHost(string? configFile) => ResolverHost.Build(new RunSettings
    {
        ConfigFile = configFile,
        Overrides = new() { ["Logging:LogLevel:Default"] = "None" },
    });

    private static string Age(TimeSpan age) => age switch
    {
        { TotalDays: >= 1 } => $"{(int)age.TotalDays}d {age.Hours}h",
        { TotalHours: >= 1 } => $"{age.Hours}h {age.Minutes}m",
        { TotalMinutes: >= 1 } => $"{age.Minutes}m",
        _ => $"{Math.Max(0, (int)age.TotalSeconds)}s",
    };

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
