using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace PipShield.Blocklist;

/// <summary>
/// An IPv4 or IPv6 network prefix. IPv4 addresses sit in the low 32 bits of <see cref="Address"/>;
/// host bits below <see cref="Length"/> are always zero.
/// </summary>
public readonly record struct IpPrefix
{
    private IpPrefix(UInt128 address, byte length, bool isIPv6)
    {
        Address = address;
        Length = length;
        IsIPv6 = isIPv6;
    }

    /// <summary>The network address, host bits cleared.</summary>
    public UInt128 Address { get; }

    /// <summary>Prefix length: 0–32 for IPv4, 0–128 for IPv6.</summary>
    public byte Length { get; }

    /// <summary>True for IPv6.</summary>
    public bool IsIPv6 { get; }

    /// <summary>Width of the address family in bits (32 or 128).</summary>
    public int Width => IsIPv6 ? 128 : 32;

    /// <summary>Makes a prefix, clearing any host bits.</summary>
    public static IpPrefix Create(UInt128 address, int length, bool isIPv6)
    {
        int width = isIPv6 ? 128 : 32;
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, width);
        if (!isIPv6 && address > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(address), "An IPv4 address must fit in 32 bits.");
        }

        return new IpPrefix(address & Mask(length, width), (byte)length, isIPv6);
    }

    /// <summary>A single-address prefix (/32 or /128).</summary>
    public static IpPrefix FromAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return written == 4
            ? new IpPrefix(BinaryPrimitives.ReadUInt32BigEndian(bytes), 32, false)
            : new IpPrefix(BinaryPrimitives.ReadUInt128BigEndian(bytes), 128, true);
    }

    /// <summary>
    /// Parses <c>192.0.2.1</c>, <c>192.0.2.0/24</c>, <c>2001:db8::/32</c>. Host bits set below the prefix
    /// length are cleared (<c>192.0.2.1/24</c> is <c>192.0.2.0/24</c>).
    /// </summary>
    /// <returns>False with <paramref name="error"/> set when the text is not an address or prefix.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out IpPrefix prefix, [NotNullWhen(false)] out string? error)
    {
        prefix = default;
        int slash = text.IndexOf('/');
        ReadOnlySpan<char> addressText = slash < 0 ? text : text[..slash];
        if (addressText.IsEmpty || !IPAddress.TryParse(addressText, out IPAddress? address))
        {
            error = $"'{addressText.ToString()}' is not an IP address";
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            error = "a scoped IPv6 address cannot be a list entry";
            return false;
        }

        // IPAddress.TryParse accepts "1" or "1.2" as IPv4 shorthands; a feed line like that is a mistake.
        if (address.AddressFamily == AddressFamily.InterNetwork && addressText.Count('.') != 3)
        {
            error = $"'{addressText.ToString()}' is not a dotted-quad IPv4 address";
            return false;
        }

        IpPrefix single = FromAddress(address);
        int length = single.Width;
        if (slash >= 0)
        {
            ReadOnlySpan<char> lengthText = text[(slash + 1)..];
            if (!int.TryParse(lengthText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out length)
                || length > single.Width)
            {
                error = $"'{lengthText.ToString()}' is not a prefix length from 0 to {single.Width}";
                return false;
            }
        }

        prefix = Create(single.Address, length, single.IsIPv6);
        error = null;
        return true;
    }

    /// <summary>Whether <paramref name="address"/> (same family) falls inside this prefix.</summary>
    public bool Contains(UInt128 address) => (address & Mask(Length, Width)) == Address;

    /// <summary>The network address as an <see cref="IPAddress"/>.</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(bytes, Address);
            return new IPAddress(bytes);
        }

        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Address);
        return new IPAddress(bytes[..4]);
    }

    /// <summary><c>192.0.2.0/24</c>; a single address prints without the length.</summary>
    public override string ToString() =>
        Length == Width ? ToIPAddress().ToString() : $"{ToIPAddress()}/{Length}";

    internal static UInt128 Mask(int length, int width) =>
        length == 0 ? UInt128.Zero : (UInt128.MaxValue << (128 - length)) >> (128 - width);
}
