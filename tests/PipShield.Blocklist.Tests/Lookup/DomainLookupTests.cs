using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Lookup;

public sealed class DomainLookupTests
{
    [Fact]
    public void Lookup_BlocksListedName_AndEverySubdomain()
    {
        using var image = TestImages.Domains("ads.example.net\n");

        Assert.Equal(Verdict.Blocked, image.Match("ads.example.net").Verdict);
        Assert.Equal(Verdict.Blocked, image.Match("x.ads.example.net").Verdict);
        Assert.Equal(Verdict.Blocked, image.Match("a.b.c.ads.example.net").Verdict);
        Assert.Equal(Verdict.None, image.Match("example.net").Verdict);
        Assert.Equal(Verdict.None, image.Match("bads.example.net").Verdict);
        Assert.Equal(Verdict.None, image.Match("ads.example.net.evil.example").Verdict);
    }

    [Fact]
    public void Lookup_IgnoresLetterCase_InWireNames()
    {
        using var image = TestImages.Domains("Phish.Example.ORG.\n");

        Assert.Equal(Verdict.Blocked, image.Match(TestImages.Wire("PHISH.example.org")).Verdict);
        Assert.Equal(Verdict.Blocked, image.Match(TestImages.Wire("LOGIN.pHiSh.ExAmPlE.oRg")).Verdict);
    }

    [Fact]
    public void Lookup_ReportsRuleSourceAndCategory()
    {
        using var image = TestImages.Compile(("evil.example.com\n", new SourceDescriptor("phish-feed", "phishing", ListFormat.Domains)));
        byte[] wire = TestImages.Wire("www.evil.example.com");

        RuleMatch match = image.Match(wire);

        Assert.Equal(Verdict.Blocked, match.Verdict);
        Assert.Equal("evil.example.com", image.FormatRule(match, wire));
        Assert.Equal("phish-feed", image.GetSource(match).Name);
        Assert.Equal("phishing", image.GetSource(match).Category);
        Assert.Equal(4, match.NameOffset);
    }

    [Fact]
    public void Lookup_WildcardCoversSubdomainsOnly()
    {
        using var image = TestImages.Domains("*.tracker.example\n");
        byte[] wire = TestImages.Wire("a.tracker.example");

        Assert.Equal(Verdict.None, image.Match("tracker.example").Verdict);
        Assert.Equal(Verdict.Blocked, image.Match(wire).Verdict);
        Assert.Equal("*.tracker.example", image.FormatRule(image.Match(wire), wire));
    }

    [Fact]
    public void Lookup_AllowBeatsBlock_AtTheSameLevel()
    {
        using var image = TestImages.Compile(
            ("good.example.org\n", new SourceDescriptor("allow", "custom", ListFormat.Domains, IsAllowlist: true)),
            ("good.example.org\nexample.org\n", new SourceDescriptor("block", "malware", ListFormat.Domains)));

        Assert.Equal(Verdict.Allowed, image.Match("good.example.org").Verdict);
        Assert.Equal(Verdict.Allowed, image.Match("www.good.example.org").Verdict);
        Assert.Equal(Verdict.Blocked, image.Match("bad.example.org").Verdict);
    }

    [Fact]
    public void Lookup_MostSpecificRuleWins_InBothDirections()
    {
        using var image = TestImages.Compile(
            ("example.org\nads.cdn.example.net\n", new SourceDescriptor("block", "malware", ListFormat.Domains)),
            ("www.example.org\ncdn.example.net\n", new SourceDescriptor("allow", "custom", ListFormat.Domains, IsAllowlist: true)));

        Assert.Equal(Verdict.Blocked, image.Match("example.org").Verdict);
        Assert.Equal(Verdict.Allowed, image.Match("www.example.org").Verdict);
        Assert.Equal(Verdict.Allowed, image.Match("cdn.example.net").Verdict);
        Assert.Equal(Verdict.Blocked, image.Match("x.ads.cdn.example.net").Verdict);
    }

    [Fact]
    public void Lookup_AdblockExceptionAllows()
    {
        using var image = TestImages.Compile(("||example.com^\n@@||safe.example.com^\n", ListFormat.Adblock));

        Assert.Equal(Verdict.Blocked, image.Match("x.example.com").Verdict);
        Assert.Equal(Verdict.Allowed, image.Match("safe.example.com").Verdict);
    }

    [Fact]
    public void Lookup_RpzOwnerWithoutWildcard_CoversOnlyThatName()
    {
        using var image = TestImages.Compile(("$TTL 300\nbad.example CNAME .\n*.worse.example CNAME *.\n", ListFormat.Rpz));

        RuleMatch exact = image.Match("bad.example");
        Assert.Equal(Verdict.Blocked, exact.Verdict);
        Assert.Equal(RuleAction.NxDomain, exact.Action);
        Assert.Equal(Verdict.None, image.Match("sub.bad.example").Verdict);
        Assert.Equal(Verdict.None, image.Match("worse.example").Verdict);
        Assert.Equal(RuleAction.NoData, image.Match("a.worse.example").Action);
    }

    [Fact]
    public void Lookup_ConvertsUnicodeNamesToALabels()
    {
        using var image = TestImages.Domains("bücher.example\n");

        Assert.Equal(Verdict.Blocked, image.Match("xn--bcher-kva.example").Verdict);
        Assert.Equal(Verdict.Blocked, image.Match("www.BÜCHER.example").Verdict);
    }

    [Fact]
    public void Lookup_KeepsUnderscoresAndHyphensAsWritten()
    {
        using var image = TestImages.Domains("bluewin_login.example.com\napi-.example.net\n");

        Assert.Equal(Verdict.Blocked, image.Match("bluewin_login.example.com").Verdict);
        Assert.Equal(Verdict.Blocked, image.Match("api-.example.net").Verdict);
        Assert.Equal(Verdict.None, image.Match("bluewin-login.example.com").Verdict);
    }

    [Theory]
    [InlineData("")]
    [InlineData("03636f6d")]          // "com" with no root label
    [InlineData("c00c")]              // a compression pointer
    [InlineData("406100")]            // reserved label type 0x40
    [InlineData("406161616100")]      // length byte 64: over the 63-octet limit
    [InlineData("0a616200")]          // label runs past the end
    public void Lookup_ReturnsNone_ForMalformedWireNames(string hex)
    {
        byte[] wire = Convert.FromHexString(hex);
        using var image = TestImages.Domains("example.com\n");

        Assert.Equal(Verdict.None, image.Match(wire).Verdict);
    }

    [Fact]
    public void Lookup_ReturnsNone_ForNamesLongerThan255Octets()
    {
        using var image = TestImages.Domains("example.com\n");
        var wire = new List<byte>();
        for (int i = 0; i < 30; i++)
        {
            wire.AddRange([8, .. "abcdefgh"u8.ToArray()]);
        }

        wire.AddRange([7, .. "example"u8.ToArray(), 3, .. "com"u8.ToArray(), 0]);

        Assert.Equal(Verdict.None, image.Match(wire.ToArray()).Verdict);
    }

    [Fact]
    public void Lookup_IgnoresBytesAfterTheRootLabel()
    {
        using var image = TestImages.Domains("example.com\n");
        byte[] wire = [.. TestImages.Wire("www.example.com"), 0x00, 0x01, 0x00, 0x01];

        Assert.Equal(Verdict.Blocked, image.Match(wire).Verdict);
    }

    [Fact]
    public void Lookup_OfTheRootName_MatchesNothing()
    {
        using var image = TestImages.Compile(("*.com\n", ListFormat.Domains));

        Assert.Equal(Verdict.None, image.Match([0]).Verdict);
        Assert.Equal(Verdict.Blocked, image.Match("example.com").Verdict);
    }

    [Fact]
    public void Lookup_OfAnEmptyImage_MatchesNothing()
    {
        using var image = TestImages.Domains("# nothing here\n");

        Assert.Equal(Verdict.None, image.Match("example.org").Verdict);
        Assert.Equal(Verdict.None, image.Match(System.Net.IPAddress.Parse("192.0.2.1")).Verdict);
    }
}
