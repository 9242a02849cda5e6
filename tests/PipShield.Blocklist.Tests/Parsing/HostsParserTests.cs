using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Parsing;

public sealed class HostsParserTests
{
    [Fact]
    public void Parse_BlocksNameAndSubdomains_ForSinkAddressEntry()
    {
        RecordedRule rule = RecordingSink.ParseSingleRule("0.0.0.0 ads.example.org\n", ListFormat.Hosts);

        Assert.Equal(new RecordedRule(1, "ads.example.org", DomainScope.NameAndSubdomains, Verdict.Blocked,
            RuleAction.Default, "", false, default), rule);
    }

    [Fact]
    public void Parse_TakesEveryName_WhenLineListsSeveral()
    {
        RecordingSink sink = RecordingSink.Parse("127.0.0.1 a.example.org b.example.org  c.example.net\n", ListFormat.Hosts);

        Assert.Equal(["a.example.org", "b.example.org", "c.example.net"], sink.Rules.Select(r => r.Name));
        Assert.All(sink.Rules, r => Assert.Equal(1, r.Line));
        Assert.All(sink.Rules, r => Assert.Equal(DomainScope.NameAndSubdomains, r.Scope));
        Assert.Empty(sink.Errors);
    }

    [Theory]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("127.0.0.1")]
    [InlineData("192.0.2.1")]
    [InlineData("2001:db8::1")]
    [InlineData("fe80::1%lo0")]
    public void Parse_AcceptsAnyAddress_AsFirstField(string address)
    {
        RecordedRule rule = RecordingSink.ParseSingleRule($"{address} ads.example.org", ListFormat.Hosts);

        Assert.Equal("ads.example.org", rule.Name);
        Assert.Equal(Verdict.Blocked, rule.Verdict);
    }

    [Fact]
    public void Parse_SplitsFieldsOnTabs()
    {
        RecordingSink sink = RecordingSink.Parse("0.0.0.0\tads.example.org\t\ttrack.example.org\n", ListFormat.Hosts);

        Assert.Equal(["ads.example.org", "track.example.org"], sink.Rules.Select(r => r.Name));
    }

    [Theory]
    [InlineData("0.0.0.0 ads.example.org # tracker")]
    [InlineData("0.0.0.0 ads.example.org#tracker")]
    [InlineData("0.0.0.0\tads.example.org\t#\tb.example.org")]
    public void Parse_IgnoresInlineComment(string line)
    {
        RecordedRule rule = RecordingSink.ParseSingleRule(line, ListFormat.Hosts);

        Assert.Equal("ads.example.org", rule.Name);
    }

    [Fact]
    public void Parse_ReportsNothing_ForCommentsAndBlankLines()
    {
        RecordingSink sink = RecordingSink.Parse("# header\n\n   \n\t# indented comment\n#0.0.0.0 ads.example.org\n", ListFormat.Hosts);

        Assert.Empty(sink.Rules);
        Assert.Empty(sink.Errors);
        Assert.Empty(sink.Skips);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("localhost.localdomain")]
    [InlineData("local")]
    [InlineData("broadcasthost")]
    [InlineData("ip6-localhost")]
    [InlineData("ip6-loopback")]
    [InlineData("ip6-localnet")]
    [InlineData("ip6-mcastprefix")]
    [InlineData("ip6-allnodes")]
    [InlineData("ip6-allrouters")]
    [InlineData("ip6-allhosts")]
    [InlineData("0.0.0.0")]
    [InlineData("LocalHost")]
    [InlineData("localhost.")]
    public void Parse_SkipsLocalhostEntries_InHostsFormat(string name)
    {
        SkipReason reason = RecordingSink.ParseSingleSkip($"127.0.0.1 {name}", ListFormat.Hosts);

        Assert.Equal(SkipReason.LocalHostEntry, reason);
    }

    [Fact]
    public void Parse_SkipsEachLocalName_AndKeepsOtherNamesOnTheLine()
    {
        RecordingSink sink = RecordingSink.Parse("::1 localhost ip6-localhost ads.example.org ip6-loopback\n", ListFormat.Hosts);

        Assert.Equal("ads.example.org", Assert.Single(sink.Rules).Name);
        Assert.Equal(3, sink.Skips.Count);
        Assert.All(sink.Skips, s => Assert.Equal((1, SkipReason.LocalHostEntry), s));
    }

    [Fact]
    public void Parse_KeepsNamesThatOnlyResembleLocalNames()
    {
        RecordingSink sink = RecordingSink.Parse("0.0.0.0 localhost.example.org local.example.org 0.0.0.0.example.org\n", ListFormat.Hosts);

        Assert.Equal(3, sink.Rules.Count);
        Assert.Empty(sink.Skips);
    }

    [Theory]
    [InlineData("ads.example.org", "'ads.example.org' is not an IP address")]
    [InlineData("ads.example.org 0.0.0.0", "'ads.example.org' is not an IP address")]
    [InlineData("1.2 ads.example.org", "'1.2' is not an IP address")]
    [InlineData("0.0.0.0.0 ads.example.org", "'0.0.0.0.0' is not an IP address")]
    [InlineData("256.0.0.1 ads.example.org", "'256.0.0.1' is not an IP address")]
    [InlineData("||ads.example.org^", "'||ads.example.org^' is not an IP address")]
    public void Parse_ReportsError_WhenFirstFieldIsNotAnAddress(string line, string expectedStart)
    {
        (int lineNumber, string reason) = RecordingSink.ParseSingleError(line, ListFormat.Hosts);

        Assert.Equal(1, lineNumber);
        Assert.StartsWith(expectedStart, reason);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("0.0.0.0   ")]
    [InlineData("::1\t# no name")]
    public void Parse_ReportsError_WhenAddressHasNoName(string line)
    {
        (_, string reason) = RecordingSink.ParseSingleError(line, ListFormat.Hosts);

        Assert.Equal("no host name after address", reason);
    }

    [Fact]
    public void Parse_PassesNamesRaw_WithCaseTrailingDotAndUnderscore()
    {
        RecordingSink sink = RecordingSink.Parse("0.0.0.0 Ads.Example.ORG trailing.example.org. under_score.example.net\n", ListFormat.Hosts);

        Assert.Equal(["Ads.Example.ORG", "trailing.example.org.", "under_score.example.net"], sink.Rules.Select(r => r.Name));
    }

    [Fact]
    public void Parse_ContinuesAfterBadLines_WithPhysicalLineNumbers()
    {
        RecordingSink sink = RecordingSink.Parse("# c\nbad line\n\n0.0.0.0\n0.0.0.0 ok.example.org\n", ListFormat.Hosts);

        Assert.Equal([2, 4], sink.Errors.Select(e => e.Line));
        Assert.Equal(5, Assert.Single(sink.Rules).Line);
    }

    [Fact]
    public void Parse_RealShadowWhispererFeed_Yields43003Rules()
    {
        string path = SharedData.RequirePath("shadowwhisperer-malware.hosts.txt");

        CountingSink sink = CountingSink.ParseFile(path, ListFormat.Hosts);

        Assert.True(sink.Errors == 0, string.Join("; ", sink.FirstErrors));
        Assert.Equal(43_003, sink.Rules);
        Assert.Equal(0, sink.Skips);
        Assert.Equal(43_003, sink.DomainRulesByScope[DomainScope.NameAndSubdomains]);
        Assert.Equal(43_003, sink.RulesByVerdict[Verdict.Blocked]);
    }
}
