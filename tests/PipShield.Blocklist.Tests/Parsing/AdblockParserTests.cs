using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Parsing;

public sealed class AdblockParserTests
{
    [Fact]
    public void Parse_BlocksNameAndSubdomains_ForAnchoredRule()
    {
        RecordedRule rule = RecordingSink.ParseSingleRule("||ads.example.org^", ListFormat.Adblock);

        Assert.Equal(new RecordedRule(1, "ads.example.org", DomainScope.NameAndSubdomains, Verdict.Blocked,
            RuleAction.Default, "", false, default), rule);
    }

    [Fact]
    public void Parse_AllowsName_ForExceptionRule()
    {
        RecordedRule rule = RecordingSink.ParseSingleRule("@@||cdn.example.org^", ListFormat.Adblock);

        Assert.Equal("cdn.example.org", rule.Name);
        Assert.Equal(Verdict.Allowed, rule.Verdict);
        Assert.Equal(DomainScope.NameAndSubdomains, rule.Scope);
    }

    [Theory]
    [InlineData("||ads.example.org^$important", Verdict.Blocked)]
    [InlineData("||ads.example.org^$IMPORTANT", Verdict.Blocked)]
    [InlineData("@@||ads.example.org^$important", Verdict.Allowed)]
    public void Parse_KeepsRule_WithImportantModifier(string line, Verdict verdict)
    {
        RecordedRule rule = RecordingSink.ParseSingleRule(line, ListFormat.Adblock);

        Assert.Equal("ads.example.org", rule.Name);
        Assert.Equal(verdict, rule.Verdict);
    }

    [Theory]
    [InlineData("||ads.example.org^$third-party")]
    [InlineData("||ads.example.org^$script")]
    [InlineData("||ads.example.org^$domain=example.net")]
    [InlineData("||ads.example.org^$dnstype=AAAA")]
    [InlineData("||ads.example.org^$badfilter")]
    [InlineData("||ads.example.org^$client=192.0.2.1")]
    [InlineData("||ads.example.org^$denyallow=example.net")]
    [InlineData("||ads.example.org^$ctag=device_phone")]
    [InlineData("||ads.example.org^$dnsrewrite=192.0.2.1")]
    [InlineData("||ads.example.org^$important,third-party")]
    [InlineData("||ads.example.org^$~important")]
    [InlineData("@@||ads.example.org^$client=192.0.2.1")]
    [InlineData("$third-party")]
    public void Parse_SkipsRule_WithModifierDnsCannotHonour(string line)
    {
        Assert.Equal(SkipReason.UnsupportedModifier, RecordingSink.ParseSingleSkip(line, ListFormat.Adblock));
    }

    [Theory]
    [InlineData("||ads.example.org/banner.js")]
    [InlineData("||ads.example.org^/path")]
    [InlineData("||ads.example.org:8080^")]
    [InlineData("example.org##.ad-banner")]
    [InlineData("##.ad-banner")]
    [InlineData("example.org#@#.ad-banner")]
    [InlineData("example.org#?#div:has(> a)")]
    [InlineData("example.org#$#body { color: red; }")]
    [InlineData("example.org$$script[tag-content=\"ad\"]")]
    public void Parse_SkipsPathAndCosmeticRules(string line)
    {
        Assert.Equal(SkipReason.UnsupportedModifier, RecordingSink.ParseSingleSkip(line, ListFormat.Adblock));
    }

    [Theory]
    [InlineData("|ads.example.org^")]
    [InlineData("|https://ads.example.org^")]
    [InlineData("/ads[0-9]+\\.example\\.org/")]
    [InlineData("/^ad\\./$important")]
    [InlineData("@@/^cdn\\./")]
    [InlineData("||ads*.example.org^")]
    [InlineData("||*ads.example.org^")]
    [InlineData("||ads.example.org^*tracker")]
    [InlineData("ads.example.org^")]
    [InlineData("[Adblock")]
    public void Parse_SkipsSyntaxThatIsNotANameRule(string line)
    {
        Assert.Equal(SkipReason.UnsupportedSyntax, RecordingSink.ParseSingleSkip(line, ListFormat.Adblock));
    }

    [Fact]
    public void Parse_ReportsNothing_ForHeaderAndComments()
    {
        RecordingSink sink = RecordingSink.Parse("[Adblock Plus 2.0]\n! Title: sample\n!\n# AdGuard comment\n####\n## heading\n\n", ListFormat.Adblock);

        Assert.Empty(sink.Rules);
        Assert.Empty(sink.Errors);
        Assert.Empty(sink.Skips);
    }

    [Fact]
    public void Parse_BlocksBareName_AsAdGuardHostSyntax()
    {
        RecordedRule rule = RecordingSink.ParseSingleRule("ads.example.org", ListFormat.Adblock);

        Assert.Equal("ads.example.org", rule.Name);
        Assert.Equal(DomainScope.NameAndSubdomains, rule.Scope);
        Assert.Equal(Verdict.Blocked, rule.Verdict);
    }

    [Fact]
    public void Parse_ReadsHostsLine_AsAdGuardHostsSyntax()
    {
        RecordingSink sink = RecordingSink.Parse("0.0.0.0 ads.example.org track.example.org\n127.0.0.1 localhost\n", ListFormat.Adblock);

        Assert.Equal(["ads.example.org", "track.example.org"], sink.Rules.Select(r => r.Name));
        Assert.Equal((2, SkipReason.LocalHostEntry), Assert.Single(sink.Skips));
    }

    [Theory]
    [InlineData("||*.example.org^", Verdict.Blocked)]
    [InlineData("@@||*.example.org^", Verdict.Allowed)]
    [InlineData("*.example.org", Verdict.Blocked)]
    public void Parse_CoversOnlySubdomains_ForWildcardRule(string line, Verdict verdict)
    {
        RecordedRule rule = RecordingSink.ParseSingleRule(line, ListFormat.Adblock);

        Assert.Equal("example.org", rule.Name);
        Assert.Equal(DomainScope.SubdomainsOnly, rule.Scope);
        Assert.Equal(verdict, rule.Verdict);
    }

    [Theory]
    [InlineData("||ads.example.org")]
    [InlineData("||ads.example.org^|")]
    [InlineData("  ||ads.example.org^  ")]
    [InlineData("||ads.example.org.^")]
    public void Parse_AcceptsAnchorVariants(string line)
    {
        RecordedRule rule = RecordingSink.ParseSingleRule(line, ListFormat.Adblock);

        Assert.StartsWith("ads.example.org", rule.Name);
    }

    [Theory]
    [InlineData("||^")]
    [InlineData("||")]
    [InlineData("||*.^")]
    [InlineData("@@")]
    [InlineData("@@||^")]
    [InlineData("$important")]
    [InlineData("||ads.example.org^$")]
    [InlineData("||ads.example.org^$important,")]
    [InlineData("||exa mple.org^")]
    [InlineData("||ads.example.org^ ! comment")]
    [InlineData("||ads\u0001.example.org^")]
    public void Parse_ReportsError_ForMalformedRule(string line)
    {
        RecordingSink.ParseSingleError(line, ListFormat.Adblock);
    }

    [Fact]
    public void Parse_ExplainsError_ForEmptyAnchoredRule()
    {
        (_, string reason) = RecordingSink.ParseSingleError("||^", ListFormat.Adblock);

        Assert.Equal("'||^' has no domain name", reason);
    }

    [Fact]
    public void Parse_RealHaGeZiTifMiniFeed_Yields105331RulesWithoutSkips()
    {
        string path = SharedData.RequirePath("hagezi-tif.mini.adblock.txt");

        CountingSink sink = CountingSink.ParseFile(path, ListFormat.Adblock);

        Assert.True(sink.Errors == 0, string.Join("; ", sink.FirstErrors));
        Assert.Equal(105_331, sink.Rules);
        Assert.Equal(0, sink.Skips);
        Assert.Equal(105_331, sink.DomainRulesByScope[DomainScope.NameAndSubdomains]);
        Assert.Equal(105_331, sink.RulesByVerdict[Verdict.Blocked]);
    }
}
