using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Parsing;

public sealed class DomainListParserTests
{
    [Fact]
    public void Parse_BlocksNameAndSubdomains_ForPlainName()
    {
        RecordedRule rule = RecordingSink.ParseSingleRule("ads.example.org\n", ListFormat.Domains);

        Assert.Equal(new RecordedRule(1, "ads.example.org", DomainScope.NameAndSubdomains, Verdict.Blocked,
            RuleAction.Default, "", false, default), rule);
    }

    [Fact]
    public void Parse_CoversOnlySubdomains_ForWildcardName()
    {
        RecordedRule rule = RecordingSink.ParseSingleRule("*.example.org", ListFormat.Domains);

        Assert.Equal("example.org", rule.Name);
        Assert.Equal(DomainScope.SubdomainsOnly, rule.Scope);
    }

    [Fact]
    public void Parse_ReadsLeadingDot_AsNameAndSubdomains()
    {
        RecordedRule rule = RecordingSink.ParseSingleRule(".example.org", ListFormat.Domains);

        Assert.Equal("example.org", rule.Name);
        Assert.Equal(DomainScope.NameAndSubdomains, rule.Scope);
    }

    [Theory]
    [InlineData("# comment")]
    [InlineData("! comment")]
    [InlineData("   # indented comment")]
    [InlineData("#ads.example.org")]
    [InlineData("")]
    [InlineData(" \t ")]
    public void Parse_ReportsNothing_ForCommentsAndBlankLines(string line)
    {
        RecordingSink sink = RecordingSink.Parse(line, ListFormat.Domains);

        Assert.Empty(sink.Rules);
        Assert.Empty(sink.Errors);
        Assert.Empty(sink.Skips);
    }

    [Theory]
    [InlineData("ads.example.org # tracker")]
    [InlineData("ads.example.org\t#tracker")]
    [InlineData("ads.example.org ! tracker")]
    [InlineData("  ads.example.org  ")]
    public void Parse_IgnoresInlineCommentAndSurroundingSpace(string line)
    {
        RecordedRule rule = RecordingSink.ParseSingleRule(line, ListFormat.Domains);

        Assert.Equal("ads.example.org", rule.Name);
    }

    [Theory]
    [InlineData("exa mple.org", "'exa mple.org' contains a space")]
    [InlineData("0.0.0.0 ads.example.org", "'0.0.0.0 ads.example.org' contains a space")]
    [InlineData("ads.example.org\tads.example.net", "'ads.example.org\tads.example.net' contains a tab")]
    public void Parse_ReportsError_ForTwoTokensOnALine(string line, string expectedStart)
    {
        (_, string reason) = RecordingSink.ParseSingleError(line, ListFormat.Domains);

        Assert.StartsWith(expectedStart.Replace('\t', '?'), reason);
    }

    [Theory]
    [InlineData("*.")]
    [InlineData("*")]
    [InlineData("ads.*.example.org")]
    [InlineData("*ads.example.org")]
    [InlineData("*.*.example.org")]
    public void Parse_ReportsError_ForMisplacedWildcard(string line)
    {
        RecordingSink.ParseSingleError(line, ListFormat.Domains);
    }

    [Fact]
    public void Parse_PassesNamesRaw_WithoutValidating()
    {
        RecordingSink sink = RecordingSink.Parse("Ads.Example.ORG\ntrailing.example.org.\nh_t_t_p_s.example.net\nxn--bcher-kva.example\n", ListFormat.Domains);

        Assert.Equal(["Ads.Example.ORG", "trailing.example.org.", "h_t_t_p_s.example.net", "xn--bcher-kva.example"],
            sink.Rules.Select(r => r.Name));
        Assert.Empty(sink.Errors);
    }

    [Fact]
    public void Parse_RealBlockListProjectFeed_Yields190215Rules()
    {
        string path = SharedData.RequirePath("blocklistproject-phishing.domains.txt");

        CountingSink sink = CountingSink.ParseFile(path, ListFormat.Domains);

        Assert.True(sink.Errors == 0, string.Join("; ", sink.FirstErrors));
        Assert.Equal(190_215, sink.Rules);
        Assert.Equal(0, sink.Skips);
        Assert.Equal(190_215, sink.DomainRulesByScope[DomainScope.NameAndSubdomains]);
    }
}
