using System.Buffers.Binary;

namespace PipShield.Resolver.Wire;

/// <summary>Offsets and flag bits of the 12-byte message header (RFC 1035 §4.1.1).</summary>
public static class DnsHeader
{
    public const int Size = 12;

    public const ushort QrFlag = 0x8000;
    public const ushort AaFlag = 0x0400;
    public const ushort TcFlag = 0x0200;
    public const ushort RdFlag = 0x0100;
    public const ushort RaFlag = 0x0080;
    public const ushort AdFlag = 0x0020;
    public const ushort CdFlag = 0x0010;

    public static ushort Id(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message);

    public static ushort Flags(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message[2..]);

    public static int Opcode(ushort flags) => (flags >> 11) & 0xF;

    public static Rcode Rcode(ReadOnlySpan<byte> message) => (Rcode)(message[3] & 0xF);

    public static ushort QdCount(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message[4..]);

    public static ushort AnCount(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message[6..]);

    public static ushort NsCount(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message[8..]);

    public static ushort ArCount(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message[10..]);

    public static void WriteId(Span<byte> message, ushort id) => BinaryPrimitives.WriteUInt16BigEndian(message, id);
}
