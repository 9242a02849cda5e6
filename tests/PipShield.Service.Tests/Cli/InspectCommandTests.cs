using System.Text.Json;
using Xunit;

namespace PipShield.Service.Tests.Cli;

public sealed class InspectCommandTests(SampleImageFixture samples) : IClassFixture<SampleImageFixture>
{
    [Fact]
    public void Inspect_ShowsCountsAndTheSourceTable()
    {
        CliRun run = CliWorkspace.Run("inspect", samples.ImagePath);

        Assert.True(run.ExitCode == 0, run.ToString());
        string[] lines = run.StdoutLines;
        foreach (string field in new[] { "format version", "build time", "file bytes", "domain rules", "stored names",
                     "redundant dropped", "IP rules", "IPv4 ranges", "IPv6 ranges", "bytes per domain rule" })
        {
            Assert.Contains(lines, l => l.StartsWith(field, StringComparison.Ordinal));
        }

        Assert.Contains(lines, l => l.Contains("sample-phishing.domains.txt") && l.Contains("domains") && l.Contains("phishing"));
        Assert.Contains(lines, l => l.Contains("sample-scam.rpz") && l.Contains("rpz") && l.Contains("scam"));
        Assert.Contains(lines, l => l.Contains("allowlist.txt") && l.Contains("allow ") && l.Contains("allowlist"));
    }

    [Fact]
    public void InspectJson_ListsTheSourcesInOrder()
    {
        CliRun run = CliWorkspace.Run("inspect", samples.ImagePath, "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(2, json.RootElement.GetProperty("formatVersion").GetInt32()); // format 2 since the Bloom filter (bcf228b)
        Assert.Equal(new FileInfo(samples.ImagePath).Length, json.RootElement.GetProperty("fileBytes").GetInt64());
        Assert.True(json.RootElement.GetProperty("domainRules").GetInt32() > 20);
        Assert.Equal(6, json.RootElement.GetProperty("ipRules").GetInt32());
        JsonElement[] sources = [.. json.RootElement.GetProperty("sources").EnumerateArray()];
        Assert.Equal([.. CliWorkspace.SampleSources, "allowlist.txt"], sources.Select(s => s.GetProperty("name").GetString()));
        Assert.True(sources[^1].GetProperty("allowlist").GetBoolean());
        Assert.Equal("c2", sources[4].GetProperty("category").GetString());
        Assert.Equal("ip", sources[4].GetProperty("format").GetString());
    }
}
