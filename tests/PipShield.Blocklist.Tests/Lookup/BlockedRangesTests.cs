using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Lookup;

public sealed class BlockedRangesTests
{
    private static string Text(IpBlockRange range)
    {
        var first = IpPrefix.Create(range.First, range.IsIPv6 ? 128 : 32, range.IsIPv6);
        var last = IpPrefix.Create(range.Last, range.IsIPv6 ? 128 : 32, range.IsIPv6);
        return $"{first}-{last}";
    }

    [Fact]
    public void BlockedRanges_LeaveOutAnAllowedHole_InsideABlockedPrefix()
    {
        using var image = TestImages.Compile(
            ("203.0.113.0/24\n2001:db8::/32\n", new SourceDescriptor("block", "malware", ListFormat.Ip)),
            ("203.0.113.64/26\n", new SourceDescriptor("allow", "custom", ListFormat.Ip, IsAllowlist: true)));

        string[] ranges = [.. image.BlockedRanges().Select(Text)];

        Assert.Equal(
            ["203.0.113.0-203.0.113.63", "203.0.113.128-203.0.113.255", "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"],
            ranges);
    }

    [Fact]
    public void BlockedRanges_NameTheSourceAndPrefix_OfEachRange()
    {
        using var image = TestImages.Compile(
            ("192.0.2.0/24\n", new SourceDescriptor("wide", "malware", ListFormat.Ip)),
            ("192.0.2.7\n", new SourceDescriptor("narrow", "c2", ListFormat.Ip)));

        var ranges = image.BlockedRanges().ToList();

        IpBlockRange single = Assert.Single(ranges, r => r.First == r.Last);
        Assert.Equal("narrow", image.Sources[single.SourceIndex].Name);
        Assert.Equal(32, single.PrefixLength);
        Assert.All(ranges.Where(r => r.First != r.Last), r => Assert.Equal(("wide", 24), (image.Sources[r.SourceIndex].Name, (int)r.PrefixLength)));
    }

    [Fact]
    public void BlockedRanges_AreEmpty_ForAnImageWithoutIpRules()
    {
        using var image = TestImages.Domains("example.org\n");

        Assert.Empty(image.BlockedRanges());
    }
}
