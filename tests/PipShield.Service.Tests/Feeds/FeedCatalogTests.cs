using System.Text.RegularExpressions;
using PipShield.Service.Feeds;
using PipShield.Service.Tests.Cli;

namespace PipShield.Service.Tests.Feeds;

/// <summary>The shipped catalogue, the documented examples and the Feeds configuration section.</summary>
public sealed partial class FeedCatalogTests : IDisposable
{
    private static readonly string[] FreeLicences = ["CC0-1.0", "Unlicense", "MIT"];
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "pipshield-catalog-" + Guid.NewGuid().ToString("N"));

    public FeedCatalogTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Repository => Path.GetDirectoryName(CliWorkspace.BlocklistsFolder)!;

    [Fact]
    public void ShippedCatalogue_EnablesOnlyFreelyLicensedHttpsFeeds_ForEachThreatCategory()
    {
        List<FeedDefinition> feeds = FeedCatalog.Load(Path.Combine(CliWorkspace.BlocklistsFolder, "feeds.json"));

        List<FeedDefinition> enabled = [.. feeds.Where(f => f.Enabled)];
        Assert.All(enabled, f => Assert.Contains(f.Licence, FreeLicences));
        Assert.All(feeds, f => Assert.Equal("https", f.Url?.Scheme));
        Assert.All(feeds.Where(f => !f.Enabled), f => Assert.False(string.IsNullOrWhiteSpace(f.Note)));
        Assert.All(feeds.Where(f => f.Licence.StartsWith("GPL", StringComparison.Ordinal)), f => Assert.False(f.Enabled));
        foreach (string category in new[] { "phishing", "malware", "c2", "scam" })
        {
            Assert.Contains(enabled, f => f.Category == category);
        }

        Assert.Contains(enabled, f => f.Format == PipShield.Blocklist.Parsing.ListFormat.Ip);
        Assert.Contains(enabled, f => f.Format == PipShield.Blocklist.Parsing.ListFormat.Domains);
    }

    [Fact]
    public void ReadmeExample_OfAddingAFeed_IsAValidCatalogue()
    {
        string readme = File.ReadAllText(Path.Combine(CliWorkspace.BlocklistsFolder, "README.md"));
        string example = JsonBlockAfter(readme, "To add your own feed");
        string path = Path.Combine(_folder, "feeds.json");
        File.WriteAllText(path, example);

        List<FeedDefinition> feeds = FeedCatalog.Load(path);

        Assert.Equal(["my-team-list", "local-extra"], feeds.Select(f => f.Name));
        Assert.NotNull(feeds[0].Url);
        Assert.NotNull(feeds[1].Path);
    }

    [Fact]
    public void ConfigCheck_AcceptsTheFeedsReadmeExample()
    {
        string readme = File.ReadAllText(Path.Combine(Repository, "src", "PipShield.Service", "Feeds", "README.md"));
        string path = Path.Combine(_folder, "pipshield.json");
        File.WriteAllText(path, JsonBlockAfter(readme, "## Examples"));

        CliRun run = CliWorkspace.Run("config", "check", path);

        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Theory]
    [InlineData("MaxShrinkPercent", "150", "Feeds:MaxShrinkPercent")]
    [InlineData("RetryCount", "-1", "Feeds:RetryCount")]
    [InlineData("Colour", "\"red\"", "Feeds:Colour")]
    public void ConfigCheck_NamesABadFeedsKey(string key, string value, string named)
    {
        string path = Path.Combine(_folder, "pipshield.json");
        File.WriteAllText(path, $$"""{ "Feeds": { "{{key}}": {{value}} } }""");

        CliRun run = CliWorkspace.Run("config", "check", path);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(named, run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void FeedsUpdate_SaysSo_WhenFeedsAreOff()
    {
        string path = Path.Combine(_folder, "pipshield.json");
        File.WriteAllText(path, """{ "Feeds": { "Enabled": false } }""");

        CliRun run = CliWorkspace.Run("feeds", "update", "--config", path);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Feeds:Enabled is false", run.Stderr, StringComparison.Ordinal);
    }

    private static string JsonBlockAfter(string markdown, string marker)
    {
        int at = markdown.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{marker}' not found");
        Match block = JsonBlock().Match(markdown, at);
        Assert.True(block.Success, $"no json block after '{marker}'");
        return block.Groups[1].Value;
    }

    [GeneratedRegex("```json\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
