using System.Buffers.Binary;
using System.Text;

namespace PipShield.Fuzz.Seeds;

/// <summary>Seeds for the <c>query</c> target: queries as stub resolvers send them, a few odd ones, and one answer.</summary>
internal static class QuerySeeds
{
    private const ushort A = 1;
    private const ushort Soa = 6;
    private const ushort Txt = 16;
    private const ushort Aaaa = 28;
    private const ushort Https = 65;
    private const ushort Rd = 0x0100;

    public static IEnumerable<(string Name, byte[] Bytes)> All()
    {
        yield return ("a-www.example.org", Query(0x1234, Rd, "www.example.org", A));
        yield return ("aaaa-edns-do", Query(0xbeef, Rd, "phish.example.net", Aaaa, Opt(1232, dnssecOk: true)));
        yield return ("a-edns-cookie", Query(0x0001, Rd, "example.net", A, Opt(4096, options: Option(10, [1, 2, 3, 4, 5, 6, 7, 8]))));
        yield return ("a-edns-ecs", Query(0x0002, Rd, "login.phish.example.net", A, Opt(1232, options: Option(8, [0, 1, 24, 0, 192, 0, 2]))));
        yield return ("a-edns-padding", Query(0x0003, Rd, "example.org", A, Opt(1232, options: Option(12, new byte[16]))));
        yield return ("txt-0x20-case", Query(0x0004, Rd, "wWw.ExAmPlE.nEt", Txt));
        yield return ("https-root", Query(0x0005, Rd, "", Https));
        yield return ("edns-version-1", Query(0x0006, Rd, "example.org", A, Opt(1232, version: 1)));
        yield return ("notify-opcode", Query(0x0007, 4 << 11, "example.org", Soa));
        yield return ("long-name", Query(0x0008, Rd, string.Join('.', Enumerable.Repeat(new string('a', 60), 4)), A));
        yield return ("qdcount-0", Header(0x0009, Rd, 0, 0, 0, 0));
        yield return ("answer-compressed", Answer());
    }

    private static byte[] Query(ushort id, int flags, string name, ushort type, byte[]? opt = null)
    {
        var message = new List<byte>(Header(id, (ushort)flags, 1, 0, 0, (ushort)(opt is null ? 0 : 1)));
        message.AddRange(Wire(name));
        message.AddRange(U16(type));
        message.AddRange(U16(1));
        if (opt is not null)
        {
            message.AddRange(opt);
        }

        return [.. message];
    }

    /// <summary>A resolver's answer: CNAME with a compressed target, an A record, an SOA in authority, an OPT.</summary>
    private static byte[] Answer()
    {
        var message = new List<byte>(Header(0x4242, 0x8180, 1, 2, 1, 1));
        message.AddRange(Wire("www.example.org"));
        message.AddRange([.. U16(A), .. U16(1)]);

        // www.example.org CNAME example.org: the owner points at the question, the target at its second label.
        message.AddRange([0xC0, 12, .. U16(5), .. U16(1), 0, 0, 0x0e, 0x10, .. U16(2), 0xC0, 16]);
        message.AddRange([0xC0, 16, .. U16(A), .. U16(1), 0, 0, 0x0e, 0x10, .. U16(4), 192, 0, 2, 1]);

        byte[] mname = [2, (byte)'n', (byte)'s', 0xC0, 16];
        byte[] rname = [10, .. "hostmaster"u8, 0xC0, 16];
        byte[] soa = [.. mname, .. rname, 0, 0, 0, 1, 0, 0, 0x0e, 0x10, 0, 0, 0x02, 0x58, 0, 1, 0x51, 0x80, 0, 0, 0x01, 0x2c];
        message.AddRange([0xC0, 16, .. U16(Soa), .. U16(1), 0, 0, 0x01, 0x2c, .. U16((ushort)soa.Length), .. soa]);
        message.AddRange(Opt(1232, options: Option(15, [0, 15, .. "blocked"u8])));
        return [.. message];
    }

    internal static byte[] Header(ushort id, ushort flags, ushort qd, ushort an, ushort ns, ushort ar) =>
        [.. U16(id), .. U16(flags), .. U16(qd), .. U16(an), .. U16(ns), .. U16(ar)];

    internal static byte[] Opt(ushort payload, bool dnssecOk = false, byte version = 0, byte[]? options = null)
    {
        options ??= [];
        return [0, .. U16(41), .. U16(payload), 0, version, .. U16(dnssecOk ? (ushort)0x8000 : (ushort)0), .. U16((ushort)options.Length), .. options];
    }

    internal static byte[] Option(ushort code, byte[] data) => [.. U16(code), .. U16((ushort)data.Length), .. data];

    internal static byte[] Wire(string name)
    {
        var wire = new List<byte>();
        foreach (string label in name.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            wire.Add((byte)label.Length);
            wire.AddRange(Encoding.ASCII.GetBytes(label));
        }

        wire.Add(0);
        return [.. wire];
    }

    internal static byte[] U16(ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return bytes;
    }
}
