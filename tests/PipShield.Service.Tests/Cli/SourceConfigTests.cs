using PipShield.Blocklist;
using PipShield.Blocklist.Parsing;
using PipShield.Service.Cli;
using Xunit;

namespace PipShield.Service.Tests.Cli;

public sealed class SourceConfigTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void Load_ReadsEveryKey_AndResolvesPathsAgainstTheConfigFolder()
    {
        string config = Write("""
            {
              // comments and trailing commas are fine
              "sources": [
                { "path": "lists/a.txt", "name": "Feed A", "format": "hosts", "category": "malware", "action": "nxdomain", "allowlist": false },
                { "path": "ok.txt", "allowlist": true },
                { "path": "sample-phishing.domains.txt", "action": "refused" },
              ]
            }
            """);

        List<ListInput> inputs = SourceConfig.Load(config);

        Assert.Equal(3, inputs.Count);
        Assert.Equal(Path.Combine(_workspace.Folder, "lists", "a.txt"), inputs[0].Path);
        Assert.Equal("Feed A", inputs[0].Descriptor.Name);
        Assert.Equal(ListFormat.Hosts, inputs[0].Descriptor.Format);
        Assert.Equal("malware", inputs[0].Descriptor.Category);
        Assert.Equal(RuleAction.NxDomain, inputs[0].Descriptor.Action);
        Assert.False(inputs[0].Descriptor.IsAllowlist);
        Assert.True(inputs[1].Descriptor.IsAllowlist);
        Assert.Equal("allowlist", inputs[1].Descriptor.Category);
        Assert.Equal("ok.txt", inputs[1].Descriptor.Name);
        Assert.Null(inputs[1].Descriptor.Format);
        Assert.Equal("phishing", inputs[2].Descriptor.Category);
        Assert.Equal(RuleAction.Refused, inputs[2].Descriptor.Action);
    }

    [Theory]
    [InlineData("""{ "sources": [ { "path": "a.txt", "formt": "hosts" } ] }""", "sources[0].formt: unknown key")]
    [InlineData("""{ "source": [] }""", "source: unknown key")]
    [InlineData("""{ }""", "sources: missing")]
    [InlineData("""{ "sources": {} }""", "sources: expected an array")]
    [InlineData("""{ "sources": [ { "name": "x" } ] }""", "sources[0].path: missing")]
    [InlineData("""{ "sources": [ { "path": "a.txt" }, { "path": 7 } ] }""", "sources[1].path: expected a string, found number")]
    [InlineData("""{ "sources": [ { "path": "a.txt", "format": "csv" } ] }""", "sources[0].format: 'csv' is not a list format")]
    [InlineData("""{ "sources": [ { "path": "a.txt", "action": "block" } ] }""", "sources[0].action: 'block' is not an action")]
    [InlineData("""{ "sources": [ { "path": "a.txt", "allowlist": "yes" } ] }""", "sources[0].allowlist: expected true or false")]
    [InlineData("""{ "sources": [ { "path": "a.txt", "path": "b.txt" } ] }""", "sources[0].path: duplicate key")]
    [InlineData("""{ "sources": [ { "path": "a.txt", "category": " " } ] }""", "sources[0].category: empty")]
    [InlineData("{ \"sources\": [\n  { \"path\": \"a.txt\" ]\n}", ":2:")]
    [InlineData("[]", "expected an object")]
    public void Load_ReportsOneLineNamingFileKeyAndProblem(string json, string expected)
    {
        string config = Write(json);

        var ex = Assert.Throws<CliException>(() => SourceConfig.Load(config));

        Assert.StartsWith(config, ex.Message);
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    private string Write(string json)
    {
        string path = _workspace.PathOf("config.json");
        File.WriteAllText(path, json);
        return path;
    }
}
