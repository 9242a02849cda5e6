using System.Net;
using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Lookup;

public sealed class IpLookupTests
{
    private static RuleMatch Match(BlocklistImage image, string address) => image.Match(IPAddress.Parse(address));

    [Fact]
    public void Lookup_FindsLongestPrefix_ForIpv4()
    {
        using var image = TestImages.Compile(
            ("192.0.2.0/24\n192.0.2.128/25\n198.51.100.7\n", new SourceDescriptor("c2", "c2", ListFormat.Ip)));

        RuleMatch wide = Match(image, "192.0.2.1");
        RuleMatch narrow = Match(image, "192.0.2.200");

        Assert.Equal((Verdict.Blocked, 24), (wide.Verdict, wide.PrefixLength));
        Assert.Equal((Verdict.Blocked, 25), (narrow.Verdict, narrow.PrefixLength));
        Assert.Equal("192.0.2.128/25", BlocklistImage.FormatRule(narrow, IPAddress.Parse("192.0.2.200")));
        Assert.Equal(Verdict.Blocked, Match(image, "198.51.100.7").Verdict);
        Assert.Equal(Verdict.None, Match(image, "198.51.100.8").Verdict);
        Assert.Equal(Verdict.None, Match(image, "198.51.100.6").Verdict);
        Assert.Equal(Verdict.None, Match(image, "192.0.3.0").Verdict);
        Assert.Equal(Verdict.None, Match(image, "0.0.0.0").Verdict);
        Assert.Equal(Verdict.None, Match(image, "255.255.255.255").Verdict);
    }

    [Fact]
    public void Lookup_AllowedNarrowerPrefix_PunchesAHole()
    {
        using var image = TestImages.Compile(
            ("203.0.113.0/24\n", new SourceDescriptor("block", "malware", ListFormat.Ip)),
            ("203.0.113.64/26\n", new SourceDescriptor("allow", "custom", ListFormat.Ip, IsAllowlist: true)));

        Assert.Equal(Verdict.Blocked, Match(image, "203.0.113.1").Verdict);
        Assert.Equal(Verdict.Allowed, Match(image, "203.0.113.100").Verdict);
        Assert.Equal(Verdict.Blocked, Match(image, "203.0.113.200").Verdict);
    }

    [Fact]
    public void Lookup_FindsLongestPrefix_ForIpv6_AndMappedIpv4()
    {
        using var image = TestImages.Compile(("2001:db8::/32\n2001:db8:1::/48\n192.0.2.9\n", ListFormat.Ip));

        Assert.Equal(32, Match(image, "2001:db8:ffff::1").PrefixLength);
        Assert.Equal(48, Match(image, "2001:db8:1::99").PrefixLength);
        Assert.Equal(Verdict.None, Match(image, "2001:db9::1").Verdict);
        Assert.Equal(Verdict.Blocked, Match(image, "::ffff:192.0.2.9").Verdict);
        Assert.Equal(Verdict.None, Match(image, "::1").Verdict);
    }

    [Fact]
    public void Lookup_CoversTheWholeAddressSpace_ForAZeroLengthPrefix()
    {
        using var image = TestImages.Compile(("0.0.0.0/0\n::/0\n", ListFormat.Ip));

        Assert.Equal(Verdict.Blocked, Match(image, "255.255.255.255").Verdict);
        Assert.Equal(Verdict.Blocked, Match(image, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").Verdict);
        Assert.Equal(Verdict.Blocked, Match(image, "::").Verdict);
    }

    [Fact]
    public void Lookup_AgreesWithANaiveScan_OnRandomPrefixes()
    {
        var random = new Random(20261125);
        var rules = new List<(IpPrefix Prefix, bool Allow)>();
        var text = new System.Text.StringBuilder();
        var allowText = new System.Text.StringBuilder();
        for (int i = 0; i < 400; i++)
        {
            // A small address space (10.0.0.0/16-ish) so prefixes nest and overlap often.
            uint address = 0x0A000000u | (uint)random.Next(0, 1 << 12) << 4;
            int length = random.Next(16, 33);
            IpPrefix prefix = IpPrefix.Create(address, length, isIPv6: false);
            bool allow = random.Next(5) == 0;
            rules.Add((prefix, allow));
            (allow ? allowText : text).Append(prefix).Append('\n');
        }

        using var image = TestImages.Compile(
            (text.ToString(), new SourceDescriptor("block", "malware", ListFormat.Ip)),
            (allowText.ToString(), new SourceDescriptor("allow", "custom", ListFormat.Ip, IsAllowlist: true)));

        for (int i = 0; i < 20_000; i++)
        {
            uint address = 0x0A000000u | (uint)random.Next(0, 1 << 17);
            Verdict expected = Verdict.None;
            int best = -1;
            foreach (var (prefix, allow) in rules)
            {
                if (prefix.Contains(address) && (prefix.Length > best || (prefix.Length == best && allow)))
                {
                    best = prefix.Length;
                    expected = allow ? Verdict.Allowed : Verdict.Blocked;
                }
            }

            RuleMatch match = image.MatchAddress([(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address]);
            Assert.Equal(expected, match.Verdict);
            if (expected != Verdict.None)
            {
                Assert.Equal(best, match.PrefixLength);
            }
        }
    }
}
