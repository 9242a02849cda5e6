using System.Net;
using PipShield.Blocklist;
using PipShield.Blocklist.Lookup;

namespace PipShield.Service.Firewall;

/// <summary>
/// The address ranges the firewall blocks, taken from an image's blocked IP ranges: sorted, disjoint, adjacent
/// ranges merged, and with the addresses that must never be blocked cut out (loopback, unspecified, link-local,
/// multicast, broadcast, and the upstream resolvers). Real feeds list such addresses, e.g. 127.0.0.2 as a test entry;
/// blocking them would break the machine or its DNS.
/// </summary>
internal sealed class FirewallTargets
{
    private static readonly (string Prefix, string Reason)[] Reserved =
    [
        ("0.0.0.0/8", "unspecified"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("224.0.0.0/4", "multicast"),
        ("255.255.255.255/32", "broadcast"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("fe80::/10", "link-local"),
        ("ff00::/8", "multicast"),
    ];

    private FirewallTargets(List<AddressRange> ipv4, List<AddressRange> ipv6, List<string> skipped, int skippedCount)
    {
        Ipv4 = ipv4;
        Ipv6 = ipv6;
        Skipped = skipped;
        SkippedCount = skippedCount;
    }

    /// <summary>IPv4 ranges to block, sorted and disjoint.</summary>
    public IReadOnlyList<AddressRange> Ipv4 { get; }

    /// <summary>IPv6 ranges to block, sorted and disjoint.</summary>
    public IReadOnlyList<AddressRange> Ipv6 { get; }

    /// <summary>The protected addresses cut out of listed ranges, as
    /// <c>127.0.0.2 (loopback)</c>; at most <see cref="MaxSkippedShown"/> of them.</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>How many listed ranges overlapped a protected address.</summary>
    public int SkippedCount { get; }

    /// <summary>How many skipped ranges <see cref="Skipped"/> spells out.</summary>
    public const int MaxSkippedShown = 10;

    /// <summary>No ranges at all (no image, or an image without IP rules).</summary>
    public static FirewallTargets Empty { get; } = new([], [], [], 0);

    /// <summary>Computes the ranges to block from <paramref name="image"/>.</summary>
    /// <param name="image">The image; the caller keeps it alive (holds a lease) during the call.</param>
    /// <param name="exempt">Addresses that stay reachable whatever the lists say: the upstream resolvers.</param>
    public static FirewallTargets From(BlocklistImage image, IEnumerable<IPAddress> exempt)
    {
        ArgumentNullException.ThrowIfNull(image);
        var protectedRanges = new List<(AddressRange Range, string Reason)>();
        foreach ((string text, string reason) in Reserved)
        {
            IpPrefix.TryParse(text, out IpPrefix prefix, out _);
            protectedRanges.Add((AddressRange.Of(prefix), reason));
        }

        foreach (IPAddress address in exempt)
        {
            protectedRanges.Add((AddressRange.Of(IpPrefix.FromAddress(address)), "upstream resolver"));
        }

        protectedRanges.Sort((a, b) => a.Range.CompareTo(b.Range));

        var ipv4 = new List<AddressRange>();
        var ipv6 = new List<AddressRange>();
        var skipped = new List<string>();
        int skippedCount = 0;
        foreach (IpBlockRange blocked in image.BlockedRanges())
        {
            var range = new AddressRange(blocked.First, blocked.Last, blocked.IsIPv6);
            List<AddressRange> target = blocked.IsIPv6 ? ipv6 : ipv4;
            bool trimmed = false;
            UInt128 next = range.First;
            bool done = false;
            foreach ((AddressRange guard, string reason) in protectedRanges)
            {
                if (guard.IsIPv6 != range.IsIPv6 || guard.Last < next || guard.First > range.Last)
                {
                    continue;
                }

                if (skipped.Count < MaxSkippedShown)
                {
                    skipped.Add($"{range.Intersect(guard)} ({reason})");
                }

                trimmed = true;
                if (guard.First > next)
                {
                    Add(target, new AddressRange(next, guard.First - 1, range.IsIPv6));
                }

                if (guard.Last >= range.Last)
                {
                    done = true;
                    break;
                }

                next = guard.Last + 1;
            }

            if (!done)
            {
                Add(target, new AddressRange(next, range.Last, range.IsIPv6));
            }

            skippedCount += trimmed ? 1 : 0;
        }

        return new FirewallTargets(ipv4, ipv6, skipped, skippedCount);
    }

    /// <summary>Appends in order, merging with the previous range when they touch (nft refuses overlapping elements).</summary>
    private static void Add(List<AddressRange> ranges, AddressRange range)
    {
        if (ranges.Count > 0 && ranges[^1].Last != UInt128.MaxValue && ranges[^1].Last + 1 >= range.First)
        {
            ranges[^1] = ranges[^1] with { Last = UInt128.Max(ranges[^1].Last, range.Last) };
            return;
        }

        ranges.Add(range);
    }
}
