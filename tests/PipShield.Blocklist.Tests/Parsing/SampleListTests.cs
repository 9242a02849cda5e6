using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Parsing;

/// <summary>The hand-made samples in tests/TestData/Lists: one per format, each line a case named in its header.</summary>
public sealed class SampleListTests
{
    [Theory]
    [InlineData("sample-hosts.txt", ListFormat.Hosts, 9, 6, 2)]
    [InlineData("sample-domains.txt", ListFormat.Domains, 7, 0, 3)]
    [InlineData("sample-adblock.txt", ListFormat.Adblock, 7, 8, 2)]
    [InlineData("sample-rpz.txt", ListFormat.Rpz, 12, 5, 2)]
    [InlineData("sample-ip.txt", ListFormat.Ip, 6, 0, 3)]
    public void Parse_Sample_YieldsCountsStatedInItsHeader(string fileName, ListFormat format, int rules, int skips, int errors)
    {
        var sink = new RecordingSink();
        using (var reader = new StreamReader(SamplePath(fileName)))
        {
            ListParser.Parse(reader, format, sink);
        }

        Assert.Equal(errors, sink.Errors.Count);
        Assert.Equal(skips, sink.Skips.Count);
        Assert.Equal(rules, sink.Rules.Count);
    }

    [Theory]
    [InlineData("sample-hosts.txt", ListFormat.Hosts)]
    [InlineData("sample-domains.txt", ListFormat.Domains)]
    [InlineData("sample-adblock.txt", ListFormat.Adblock)]
    [InlineData("sample-rpz.txt", ListFormat.Rpz)]
    [InlineData("sample-ip.txt", ListFormat.Ip)]
    public void DetectFormat_RecognisesSample(string fileName, ListFormat format)
    {
        Assert.Equal(format, ListParser.DetectFormat(File.ReadAllLines(SamplePath(fileName))));
    }

    [Fact]
    public void Parse_RpzSample_MapsEveryPolicyAction()
    {
        var sink = new RecordingSink();
        using (var reader = new StreamReader(SamplePath("sample-rpz.txt")))
        {
            ListParser.Parse(reader, ListFormat.Rpz, sink);
        }

        Assert.Equal(
        [
            "nx.example.org NameOnly Blocked NxDomain ",
            "nx.example.org SubdomainsOnly Blocked NxDomain ",
            "nodata.example.org NameOnly Blocked NoData ",
            "pass.example.org NameOnly Allowed Default ",
            "legacy.example.org NameOnly Allowed Default ",
            "drop.example.org NameOnly Blocked Drop ",
            "walled.example.org NameOnly Blocked LocalData CNAME walled.example.net.",
            "local.example.org NameOnly Blocked LocalData A 192.0.2.10",
            "local.example.org NameOnly Blocked LocalData AAAA 2001:db8::10",
            "abs.example.org NameOnly Blocked NxDomain ",
            "192.0.2.1 Blocked NxDomain",
            "2001:db8::1 Blocked Drop",
        ], sink.Rules.Select(r => r.IsIp
            ? $"{r.Prefix} {r.Verdict} {r.Action}"
            : $"{r.Name} {r.Scope} {r.Verdict} {r.Action} {r.LocalData}"));
        Assert.Equal([5, 8, 21, 22, 23], sink.Skips.Select(s => s.Line));
        Assert.Equal([24, 25], sink.Errors.Select(e => e.Line));
    }

    private static string SamplePath(string fileName) =>
        Path.Combine(AppContext.BaseDirectory, "TestData", "Lists", fileName);
}
