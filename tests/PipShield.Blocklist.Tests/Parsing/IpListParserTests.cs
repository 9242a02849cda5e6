using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Parsing;

public sealed class IpListParserTests
{
    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1")]
    [InlineData("192.0.2.0/24", "192.0.2.0/24")]
    [InlineData("192.0.2.77/24", "192.0.2.0/24")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("2001:db8::/32", "2001:db8::/32")]
    [InlineData("  198.51.100.0/31  ", "198.51.100.0/31")]
    public void Parse_BlocksPrefix_ForAddressOrCidr(string line, string expected)
    {
        RecordedRule rule = RecordingSink.ParseSingleRule(line, ListFormat.Ip);

        Assert.True(rule.IsIp);
        Assert.Equal(expected, rule.Prefix.ToString());
        Assert.Equal(Verdict.Blocked, rule.Verdict);
        Assert.Equal(RuleAction.Default, rule.Action);
    }

    [Fact]
    public void Parse_MakesSingleAddressPrefixes_OfFullWidth()
    {
        RecordingSink sink = RecordingSink.Parse("192.0.2.1\n2001:db8::1\n", ListFormat.Ip);

        Assert.Equal([32, 128], sink.Rules.Select(r => (int)r.Prefix.Length));
        Assert.Equal([false, true], sink.Rules.Select(r => r.Prefix.IsIPv6));
    }

    [Theory]
    [InlineData("192.0.2.1\t42")]
    [InlineData("192.0.2.1 example.org 2025-01-01")]
    [InlineData("192.0.2.1 # botnet C2")]
    [InlineData("192.0.2.1;comment")]
    [InlineData("192.0.2.1#comment")]
    public void Parse_IgnoresExtraColumnsAndInlineComments(string line)
    {
        RecordedRule rule = RecordingSink.ParseSingleRule(line, ListFormat.Ip);

        Assert.Equal("192.0.2.1", rule.Prefix.ToString());
    }

    [Theory]
    [InlineData("# header")]
    [InlineData("; header")]
    [InlineData("")]
    [InlineData("\t")]
    public void Parse_ReportsNothing_ForCommentsAndBlankLines(string line)
    {
        RecordingSink sink = RecordingSink.Parse(line, ListFormat.Ip);

        Assert.Empty(sink.Rules);
        Assert.Empty(sink.Errors);
    }

    [Theory]
    [InlineData("192.0.2.256", "'192.0.2.256' is not an IP address")]
    [InlineData("example.org", "'example.org' is not an IP address")]
    [InlineData("10.1", "'10.1' is not a dotted-quad IPv4 address")]
    [InlineData("192.0.2.0/33", "'33' is not a prefix length from 0 to 32")]
    [InlineData("2001:db8::/129", "'129' is not a prefix length from 0 to 128")]
    [InlineData("192.0.2.0/", "'' is not a prefix length from 0 to 32")]
    public void Parse_ReportsPrefixParserMessage_ForBadAddress(string line, string reason)
    {
        Assert.Equal((1, reason), RecordingSink.ParseSingleError(line, ListFormat.Ip));
    }

    [Fact]
    public void Parse_ReportsError_ForAddressRange()
    {
        (_, string reason) = RecordingSink.ParseSingleError("192.0.2.1-192.0.2.9", ListFormat.Ip);

        Assert.Contains("ranges are not supported", reason);
    }

    [Fact]
    public void Parse_RealBlockListProjectFeed_Yields20907Rules()
    {
        string path = SharedData.RequirePath("blocklistproject-malware.ip.txt");

        CountingSink sink = CountingSink.ParseFile(path, ListFormat.Ip);

        Assert.True(sink.Errors == 0, string.Join("; ", sink.FirstErrors));
        Assert.Equal(20_907, sink.Rules);
        Assert.Equal(20_642, sink.IpRulesByLength[32]);
        Assert.Equal(265, sink.Rules - sink.IpRulesByLength[32]);
        Assert.Equal(207, sink.IpRulesByLength[31]);
        Assert.Equal(34, sink.IpRulesByLength[24]);
        Assert.Equal(0, sink.Skips);
    }
}
