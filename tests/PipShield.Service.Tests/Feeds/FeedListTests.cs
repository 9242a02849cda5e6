using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PipShield.Service.Tests.Cli;

namespace PipShield.Service.Tests.Feeds;

/// <summary><c>pipshield feeds list</c> after a refresh: what each feed holds and how its last update went.</summary>
public sealed class FeedListTests : IAsyncLifetime
{
    private FeedWorkspace _workspace = null!;

    public async ValueTask InitializeAsync() => _workspace = await FeedWorkspace.StartAsync();

    public async ValueTask DisposeAsync() => await _workspace.DisposeAsync();

    private void WriteCatalog() => File.WriteAllText(_workspace.CatalogPath, $$"""
        {
          // one good feed, one failing, one disabled
          "feeds": [
            { "name": "phish", "url": "{{_workspace.Server.Url("/phish.txt")}}", "format": "domains", "category": "phishing", "licence": "Unlicense" },
            { "name": "broken", "url": "{{_workspace.Server.Url("/broken.txt")}}", "format": "hosts", "category": "malware", "licence": "CC0-1.0" },
            { "name": "gpl-feed", "url": "https://example.org/tif.txt", "category": "malware", "licence": "GPL-3.0",
              "enabled": false, "note": "GPL-3.0: enable it yourself" },
          ],
        }
        """);

    private CliRun RefreshOnce()
    {
        WriteCatalog();
        _workspace.Server.ServeFile("/phish.txt", FeedData.HandMade("small-phishing.domains.txt"));
        _workspace.Server.Map("/broken.txt", context =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        });
        return _workspace.Update();
    }

    [Fact]
    public void List_ShowsEachFeed_WithEntriesAndLastResult()
    {
        CliRun update = RefreshOnce();
        Assert.Equal(1, update.ExitCode); // one enabled feed failed
        int entries = FeedData.DomainLines(FeedData.HandMade("small-phishing.domains.txt"));

        CliRun list = _workspace.List();

        Assert.True(list.ExitCode == 0, list.ToString());
        string[] lines = list.StdoutLines;
        Assert.Equal(["NAME", "ENABLED", "CATEGORY", "AGE", "ENTRIES", "RESULT", "CHECKED"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        string phish = Assert.Single(lines, l => l.StartsWith("phish ", StringComparison.Ordinal));
        Assert.Matches($@"^phish\s+yes\s+phishing\s+\d+s\s+{entries}\s+ok\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ$", phish);
        string broken = Assert.Single(lines, l => l.StartsWith("broken ", StringComparison.Ordinal));
        Assert.Matches(@"^broken\s+yes\s+malware\s+-\s+-\s+failed: HTTP 500 Internal Server Error\s+\d{4}-", broken);
        string disabled = Assert.Single(lines, l => l.StartsWith("gpl-feed ", StringComparison.Ordinal));
        Assert.Matches(@"^gpl-feed\s+no\s+malware\s+-\s+-\s+never\s+-$", disabled);
    }

    [Fact]
    public void List_Json_GivesTheSameFacts()
    {
        RefreshOnce();

        CliRun list = _workspace.List("--json");

        Assert.True(list.ExitCode == 0, list.ToString());
        using JsonDocument document = JsonDocument.Parse(list.Stdout);
        JsonElement[] feeds = [.. document.RootElement.EnumerateArray()];
        Assert.Equal(["phish", "broken", "gpl-feed"], feeds.Select(f => f.GetProperty("name").GetString()));
        Assert.Equal("ok", feeds[0].GetProperty("result").GetString());
        Assert.Equal(FeedData.DomainLines(FeedData.HandMade("small-phishing.domains.txt")), feeds[0].GetProperty("entries").GetInt32());
        Assert.InRange(feeds[0].GetProperty("ageSeconds").GetInt64(), 0, 600);
        Assert.Equal("failed", feeds[1].GetProperty("result").GetString());
        Assert.Equal("HTTP 500 Internal Server Error", feeds[1].GetProperty("error").GetString());
        Assert.False(feeds[1].TryGetProperty("entries", out _));
        Assert.False(feeds[2].GetProperty("enabled").GetBoolean());
        Assert.Equal("GPL-3.0", feeds[2].GetProperty("licence").GetString());
        Assert.Equal("GPL-3.0: enable it yourself", feeds[2].GetProperty("note").GetString());
    }

    [Fact]
    public void Update_RefusesADisabledFeed_ByName()
    {
        WriteCatalog();

        CliRun run = _workspace.Update("--feed", "gpl-feed");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("'gpl-feed' is disabled in the catalogue (GPL-3.0: enable it yourself)", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "feeds": [ { "name": "x", "url": "ftp://example.org/x", "licence": "MIT" } ] }""", "feeds[0].url: 'ftp://example.org/x' is not an http or https URL")]
    [InlineData("""{ "feeds": [ { "name": "x", "url": "https://example.org/x", "format": "csv" } ] }""", "feeds[0].format: 'csv' is not a list format")]
    [InlineData("""{ "feeds": [ { "name": "x", "url": "https://example.org/x", "refresh": "00:01:00" } ] }""", "feeds[0].refresh: '00:01:00' is not a time span of at least 00:15:00")]
    [InlineData("""{ "feeds": [ { "name": "../x", "url": "https://example.org/x" } ] }""", "feeds[0].name: '../x' must be")]
    [InlineData("""{ "feeds": [ { "name": "x", "url": "https://example.org/x", "colour": "red" } ] }""", "feeds[0].colour: unknown key")]
    [InlineData("""{ "feeds": [ { "name": "x", "url": "https://example.org/x" }, { "name": "X", "path": "x.txt" } ] }""", "feeds[1].name: 'X' is used by an earlier feed")]
    public void List_NamesTheFileAndKey_OfABadCatalogue(string catalog, string problem)
    {
        File.WriteAllText(_workspace.CatalogPath, catalog);

        CliRun run = _workspace.List();

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{_workspace.CatalogPath}: {problem}", run.Stderr, StringComparison.Ordinal);
    }
}
