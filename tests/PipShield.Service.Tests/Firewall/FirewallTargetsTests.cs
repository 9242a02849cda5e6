using System.Net;
using PipShield.Blocklist.Lookup;
using PipShield.Service.Firewall;

namespace PipShield.Service.Tests.Firewall;

public sealed class FirewallTargetsTests
{
    private static string[] Text(IReadOnlyList<AddressRange> ranges) => [.. ranges.Select(r => r.ToString())];

    [Fact]
    public void Targets_LeaveAnAllowedHoleReachable_InsideABlockedPrefix()
    {
        using BlocklistImage image = FirewallImages.Compile("203.0.113.0/24\n", allowed: "203.0.113.64/26\n");

        FirewallTargets targets = FirewallTargets.From(image, []);

        Assert.Equal(["203.0.113.0/26", "203.0.113.128/25"], Text(targets.Ipv4));
        Assert.Equal(0, targets.SkippedCount);
    }

    [Fact]
    public void Targets_NeverBlockTheUpstreamResolver_EvenWhenAFeedListsItsPrefix()
    {
        using BlocklistImage image = FirewallImages.Compile("198.51.100.0/24\n");

        FirewallTargets targets = FirewallTargets.From(image, [IPAddress.Parse("198.51.100.53")]);

        Assert.Equal(["198.51.100.0-198.51.100.52", "198.51.100.54-198.51.100.255"], Text(targets.Ipv4));
        Assert.Equal(1, targets.SkippedCount);
        Assert.Equal("198.51.100.53 (upstream resolver)", Assert.Single(targets.Skipped));
    }

    [Fact]
    public void Targets_CutOutLoopbackLinkLocalAndMulticast_FromAWidePrefix()
    {
        using BlocklistImage image = FirewallImages.Compile("0.0.0.0/1\n169.254.1.1\nfe80::1\nff02::1\n2001:db8::/32\n");

        FirewallTargets targets = FirewallTargets.From(image, []);

        Assert.Equal(["1.0.0.0-126.255.255.255"], Text(targets.Ipv4));
        Assert.Equal(["2001:db8::/32"], Text(targets.Ipv6));
        Assert.Equal(4, targets.SkippedCount);
        Assert.Contains("127.0.0.0/8 (loopback)", targets.Skipped);
        Assert.Contains("169.254.1.1 (link-local)", targets.Skipped);
        Assert.Contains("ff02::1 (multicast)", targets.Skipped);
    }

    [Fact]
    public void Targets_MergeTouchingRanges_FromDifferentLists()
    {
        // The image keeps 192.0.2.128/26 apart (another list's rule); the firewall needs one element, not three.
        using BlocklistImage image = FirewallImages.Compile("192.0.2.0/24\n198.51.100.1\n", moreBlocked: "192.0.2.128/26\n198.51.100.2\n");

        FirewallTargets targets = FirewallTargets.From(image, []);

        Assert.Equal(["192.0.2.0/24", "198.51.100.1-198.51.100.2"], Text(targets.Ipv4));
    }
}
