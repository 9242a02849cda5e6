using System.Net;
using PipShield.Blocklist.Lookup;
using PipShield.Service.Firewall;

namespace PipShield.Service.Tests.Firewall;

public sealed class FirewallTargetsTests
{
    private static string[] Text(IReadOnlyList<AddressRange> ranges) => [.. ranges.Select(r => r.ToString())];

    private static string Dotted(uint value) => $"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}";

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

    [Fact]
    public void Targets_DropAListedUpstreamAddressEntirely()
    {
        using BlocklistImage image = FirewallImages.Compile("9.9.9.9\n192.0.2.1\n");

        FirewallTargets targets = FirewallTargets.From(image, [IPAddress.Parse("9.9.9.9")]);

        Assert.Equal(["192.0.2.1"], Text(targets.Ipv4));
        Assert.Equal(1, targets.SkippedCount);
    }

    [Fact]
    public void Targets_AgreeWithTheImage_OnRandomListsAndAddresses()
    {
        // Property: an address is in the targets exactly when the image blocks it and it is not protected.
        var random = new Random(6);
        IPAddress upstream = IPAddress.Parse("10.1.2.3");
        for (int round = 0; round < 20; round++)
        {
            var blocked = new System.Text.StringBuilder();
            var allowed = new System.Text.StringBuilder();
            for (int i = 0; i < 30; i++)
            {
                // Prefixes inside 8.0.0.0/6 (8.x to 11.x: 10.1.2.3 and nothing reserved), lengths 8 to 32.
                uint address = 0x08000000u | (uint)random.Next(0, 1 << 26);
                int length = random.Next(8, 33);
                (random.Next(4) == 0 ? allowed : blocked).Append(Dotted(address)).Append('/').Append(length).Append('\n');
            }

            using BlocklistImage image = FirewallImages.Compile(blocked.ToString(), allowed.ToString());
            FirewallTargets targets = FirewallTargets.From(image, [upstream]);
            for (int probe = 0; probe < 500; probe++)
            {
                uint value = probe == 0 ? 0x0A010203u : 0x08000000u | (uint)random.Next(0, 1 << 26);
                var address = IPAddress.Parse(Dotted(value));
                bool expected = image.Match(address).Verdict == PipShield.Blocklist.Verdict.Blocked && !address.Equals(upstream);
                bool actual = targets.Ipv4.Any(r => r.First <= value && value <= r.Last);
                Assert.True(expected == actual, $"round {round}: {address} expected {(expected ? "blocked" : "open")}\nblocked:\n{blocked}allowed:\n{allowed}");
            }
        }
    }
}
