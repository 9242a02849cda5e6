using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace PipShield.Blocklist.Parsing;

/// <summary>
/// Decodes the address of an <c>rpz-ip</c> trigger owner (draft-vixie-dnsop-dns-rpz §4.2): the prefix length,
/// then the address with its parts in reverse order. IPv4: <c>32.1.2.0.192</c> is 192.0.2.1/32. IPv6: 16-bit
/// groups in hex, reversed, with <c>zz</c> standing for the <c>::</c> gap: <c>128.1.zz.db8.2001</c> is 2001:db8::1/128.
/// </summary>
internal static class RpzIpTrigger
{
    public const string Suffix = ".rpz-ip";

    /// <param name="labels">The owner name without the <c>.rpz-ip</c> suffix.</param>
    /// <param name="prefix">The decoded prefix; host bits below its length are cleared.</param>
    /// <param name="error">What is wrong when false is returned.</param>
    public static bool TryParse(ReadOnlySpan<char> labels, out IpPrefix prefix, [NotNullWhen(false)] out string? error)
    {
        prefix = default;
        Span<Range> parts = stackalloc Range[10];
        int count = labels.Split(parts, '.');
        if (count < 2)
        {
            error = "an rpz-ip trigger needs a prefix length and an address";
            return false;
        }

        if (count > 9)
        {
            error = "an rpz-ip trigger has at most 9 labels";
            return false;
        }

        bool hasGap = false;
        for (int i = 1; i < count; i++)
        {
            hasGap |= labels[parts[i]].Equals("zz", StringComparison.OrdinalIgnoreCase);
        }

        ReadOnlySpan<char> lengthLabel = labels[parts[0]];
        bool isIPv4 = count == 5 && !hasGap;
        int maxLength = isIPv4 ? 32 : 128;
        if (!int.TryParse(lengthLabel, NumberStyles.None, CultureInfo.InvariantCulture, out int length)
            || length < 1 || length > maxLength)
        {
            error = $"rpz-ip prefix length {ListSyntax.Quote(lengthLabel)} is not a number from 1 to {maxLength}";
            return false;
        }

        UInt128 address;
        if (isIPv4)
        {
            uint v4 = 0;
            for (int i = count - 1; i >= 1; i--)
            {
                ReadOnlySpan<char> octet = labels[parts[i]];
                if (octet.Length > 3 || !byte.TryParse(octet, NumberStyles.None, CultureInfo.InvariantCulture, out byte value))
                {
                    error = $"rpz-ip label {ListSyntax.Quote(octet)} is not an IPv4 octet";
                    return false;
                }

                v4 = (v4 << 8) | value;
            }

            address = v4;
        }
        else if (!TryParseIPv6(labels, parts[1..count], hasGap, out address, out error))
        {
            return false;
        }

        prefix = IpPrefix.Create(address, length, !isIPv4);
        error = null;
        return true;
    }

    private static bool TryParseIPv6(ReadOnlySpan<char> labels, ReadOnlySpan<Range> groups, bool hasGap,
        out UInt128 address, [NotNullWhen(false)] out string? error)
    {
        address = 0;
        int written = hasGap ? groups.Length - 1 : groups.Length;
        if (hasGap ? written > 7 : written != 8)
        {
            error = "an IPv6 rpz-ip trigger needs 8 groups, or fewer with one 'zz' for the '::' gap";
            return false;
        }

        bool gapSeen = false;

        // Labels run from the last group to the first: walk them backwards to read the address in order.
        for (int i = groups.Length - 1; i >= 0; i--)
        {
            ReadOnlySpan<char> group = labels[groups[i]];
            if (group.Equals("zz", StringComparison.OrdinalIgnoreCase))
            {
                if (gapSeen)
                {
                    error = "an IPv6 rpz-ip trigger has more than one 'zz'";
                    return false;
                }

                gapSeen = true;
                address <<= 16 * (8 - written);
                continue;
            }

            if (group.IsEmpty || group.Length > 4
                || !ushort.TryParse(group, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ushort value))
            {
                error = $"rpz-ip label {ListSyntax.Quote(group)} is not a 16-bit hex group";
                return false;
            }

            address = (address << 16) | value;
        }

        error = null;
        return true;
    }
}
