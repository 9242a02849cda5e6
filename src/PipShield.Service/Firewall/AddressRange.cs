using PipShield.Blocklist;

namespace PipShield.Service.Firewall;

/// <summary>Addresses <see cref="First"/> to <see cref="Last"/> inclusive, numbered as <see cref="IpPrefix.Address"/>.</summary>
internal readonly record struct AddressRange(UInt128 First, UInt128 Last, bool IsIPv6) : IComparable<AddressRange>
{
    public static AddressRange Of(IpPrefix prefix)
    {
        // The host bits: the low (width - length) bits, none for a single address.
        UInt128 hostBits = prefix.Length == prefix.Width ? 0 : UInt128.MaxValue >> (128 - prefix.Width + prefix.Length);
        return new(prefix.Address, prefix.Address | hostBits, prefix.IsIPv6);
    }

    /// <summary>The range as one prefix when it is exactly one (<c>192.0.2.0/24</c>), else null.</summary>
    public IpPrefix? AsPrefix()
    {
        UInt128 size = Last - First + 1; // wraps to 0 for the whole IPv6 space
        int width = IsIPv6 ? 128 : 32;
        if (size == 0)
        {
            return IpPrefix.Create(0, 0, true);
        }

        if (!UInt128.IsPow2(size) || (First & (size - 1)) != 0)
        {
            return null;
        }

        return IpPrefix.Create(First, width - (int)UInt128.Log2(size), IsIPv6);
    }

    /// <summary>The overlap with <paramref name="other"/> (same family; the caller checks they overlap).</summary>
    public AddressRange Intersect(AddressRange other) =>
        new(UInt128.Max(First, other.First), UInt128.Min(Last, other.Last), IsIPv6);

    public int CompareTo(AddressRange other) =>
        IsIPv6 != other.IsIPv6 ? IsIPv6.CompareTo(other.IsIPv6) : First.CompareTo(other.First);

    /// <summary><c>192.0.2.0/24</c> when it is one prefix, else <c>192.0.2.1-192.0.2.9</c>.</summary>
    public override string ToString()
    {
        if (AsPrefix() is { } prefix)
        {
            return prefix.ToString();
        }

        return $"{Single(First)}-{Single(Last)}";
    }

    private string Single(UInt128 address) => IpPrefix.Create(address, IsIPv6 ? 128 : 32, IsIPv6).ToString();
}
