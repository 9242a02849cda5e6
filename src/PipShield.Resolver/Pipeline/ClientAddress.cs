using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace PipShield.Resolver.Pipeline;

/// <summary>A client's IP address without an <see cref="IPAddress"/> object; IPv4-mapped IPv6 reads as IPv4.</summary>
public readonly record struct ClientAddress(UInt128 Value, bool IsIPv6)
{
    /// <summary>Reads the address out of a socket address without allocating.</summary>
    public static ClientAddress From(SocketAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        ReadOnlySpan<byte> buffer = address.Buffer.Span;
        if (address.Family == AddressFamily.InterNetwork)
        {
            return new ClientAddress(BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]), false);
        }

        if (address.Family == AddressFamily.InterNetworkV6)
        {
            // sockaddr_in6: family, port, flowinfo, then the 16 address bytes at offset 8.
            UInt128 value = BinaryPrimitives.ReadUInt128BigEndian(buffer[8..]);
            return value >> 32 == 0xFFFF ? new ClientAddress((uint)value, false) : new ClientAddress(value, true);
        }

        return default;
    }

    public static ClientAddress From(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return written == 4
            ? new ClientAddress(BinaryPrimitives.ReadUInt32BigEndian(bytes), false)
            : new ClientAddress(BinaryPrimitives.ReadUInt128BigEndian(bytes), true);
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(bytes, Value);
            return new IPAddress(bytes).ToString();
        }

        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Value);
        return new IPAddress(bytes[..4]).ToString();
    }
}
