using System.Buffers.Binary;
using PipShield.Blocklist.Names;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Wire;

/// <summary>Builds query packets byte by byte, so tests can also build the malformed ones.</summary>
internal static class TestQueries
{
    public static byte[] Build(string name, DnsType type, ushort id = 0x1234, ushort flags = DnsHeader.RdFlag,
        bool edns = false, ushort payload = 1232, bool dnssecOk = false, byte version = 0, byte[]? options = null)
    {
        var packet = new List<byte>();
        packet.AddRange(U16(id));
        packet.AddRange(U16(flags));
        packet.AddRange(U16(1));
        packet.AddRange(U16(0));
        packet.AddRange(U16(0));
        packet.AddRange(U16(edns ? (ushort)1 : (ushort)0));
        var wire = new byte[256];
        int length = DomainName.WriteWire(name, wire);
        packet.AddRange(wire[..length]);
        packet.AddRange(U16((ushort)type));
        packet.AddRange(U16(1));
        if (edns)
        {
            packet.AddRange(Opt(payload, dnssecOk, version, options ?? []));
        }

        return [.. packet];
    }

    public static byte[] Opt(ushort payload = 1232, bool dnssecOk = false, byte version = 0, byte[]? options = null, byte owner = 0)
    {
        options ??= [];
        var opt = new List<byte> { owner };
        opt.AddRange(U16((ushort)DnsType.OPT));
        opt.AddRange(U16(payload));
        opt.Add(0);
        opt.Add(version);
        opt.AddRange(U16(dnssecOk ? (ushort)0x8000 : (ushort)0));
        opt.AddRange(U16((ushort)options.Length));
        opt.AddRange(options);
        return [.. opt];
    }

    public static byte[] Option(ushort code, byte[] data) => [.. U16(code), .. U16((ushort)data.Length), .. data];

    public static byte[] WithCounts(byte[] packet, ushort qd, ushort an, ushort ns, ushort ar)
    {
        byte[] copy = (byte[])packet.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(4), qd);
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(6), an);
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(8), ns);
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(10), ar);
        return copy;
    }

    private static byte[] U16(ushort value) => [(byte)(value >> 8), (byte)value];
}
