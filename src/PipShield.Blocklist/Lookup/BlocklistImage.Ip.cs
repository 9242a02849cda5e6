using System.Buffers.Binary;
using System.Net;

namespace PipShield.Blocklist.Lookup;

public sealed unsafe partial class BlocklistImage
{
    /// <summary>
    /// Longest-prefix match of an address in network byte order: 4 bytes (IPv4) or 16 bytes (IPv6; an
    /// IPv4-mapped address is looked up as IPv4). At the same prefix an allow rule beats a block rule.
    /// </summary>
    /// <returns><see cref="RuleMatch.None"/> for no match or an address of another length.</returns>
    public RuleMatch MatchAddress(ReadOnlySpan<byte> address)
    {
        if (address.Length == 4)
        {
            return MatchIpv4(BinaryPrimitives.ReadUInt32BigEndian(address));
        }

        if (address.Length != 16)
        {
            return RuleMatch.None;
        }

        UInt128 value = BinaryPrimitives.ReadUInt128BigEndian(address);
        if (value >> 32 == 0xFFFF)
        {
            return MatchIpv4((uint)value);
        }

        return MatchIpv6(value);
    }

    /// <summary>Longest-prefix match of an <see cref="IPAddress"/>.</summary>
    public RuleMatch Match(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        return address.TryWriteBytes(bytes, out int written) ? MatchAddress(bytes[..written]) : RuleMatch.None;
    }

    /// <summary>The prefix of an IP match, e.g. <c>192.0.2.0/24</c>.</summary>
    public static string FormatRule(in RuleMatch match, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!match.IsIp || match.Verdict == Verdict.None)
        {
            return string.Empty;
        }

        IpPrefix single = IpPrefix.FromAddress(address);
        return IpPrefix.Create(single.Address, Math.Min(match.PrefixLength, single.Width), single.IsIPv6).ToString();
    }

    /// <summary>
    /// The blocked address ranges, IPv4 then IPv6, sorted and disjoint: the flattened ranges whose most specific
    /// prefix is a block rule. An allow rule nested inside a blocked prefix already splits it at compile time,
    /// so allowed addresses never appear here.
    /// </summary>
    /// <remarks>Reads the mapping as it goes: hold a lease (or the image) while enumerating.</remarks>
    public IEnumerable<IpBlockRange> BlockedRanges()
    {
        for (int i = 0; i < _ipv4Count; i++)
        {
            if (TryBlockedRange(i, isIPv6: false, out IpBlockRange range))
            {
                yield return range;
            }
        }

        for (int i = 0; i < _ipv6Count; i++)
        {
            if (TryBlockedRange(i, isIPv6: true, out IpBlockRange range))
            {
                yield return range;
            }
        }
    }

    private bool TryBlockedRange(int index, bool isIPv6, out IpBlockRange range)
    {
        range = default;
        byte* meta = (isIPv6 ? _ipv6Meta : _ipv4Meta) + index * ImageLayout.RangeMetaSize;
        RuleMatch match = RangeMatch(meta);
        if (match.Verdict != Verdict.Blocked)
        {
            return false;
        }

        int count = isIPv6 ? _ipv6Count : _ipv4Count;
        UInt128 first = RangeStart(index, isIPv6);
        UInt128 last = index + 1 < count ? RangeStart(index + 1, isIPv6) - 1 : (isIPv6 ? UInt128.MaxValue : uint.MaxValue);
        range = new IpBlockRange(first, last, isIPv6, match.SourceIndex, (byte)match.PrefixLength);
        return true;
    }

    private UInt128 RangeStart(int index, bool isIPv6) => isIPv6
        ? BinaryPrimitives.ReadUInt128LittleEndian(new ReadOnlySpan<byte>(_ipv6Starts + index * 16, 16))
        : BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(_ipv4Starts + index * 4, 4));

    private RuleMatch MatchIpv4(uint address)
    {
        int count = _ipv4Count;
        if (count == 0)
        {
            return RuleMatch.None;
        }

        // Last range whose start is <= address; ranges are sorted and the first starts at 0.
        int lo = 0;
        int hi = count - 1;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi + 1) >> 1);
            if (BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(_ipv4Starts + mid * 4, 4)) <= address)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return RangeMatch(_ipv4Meta + lo * ImageLayout.RangeMetaSize);
    }

    private RuleMatch MatchIpv6(UInt128 address)
    {
        int count = _ipv6Count;
        if (count == 0)
        {
            return RuleMatch.None;
        }

        int lo = 0;
        int hi = count - 1;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi + 1) >> 1);
            if (BinaryPrimitives.ReadUInt128LittleEndian(new ReadOnlySpan<byte>(_ipv6Starts + mid * 16, 16)) <= address)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return RangeMatch(_ipv6Meta + lo * ImageLayout.RangeMetaSize);
    }

    private RuleMatch RangeMatch(byte* meta)
    {
        ushort ruleClass = ReadUInt16(meta);
        return ruleClass == 0 ? RuleMatch.None : MakeMatch(ruleClass, meta[2], isIp: true);
    }
}
