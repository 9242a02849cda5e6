using System.Buffers.Binary;
using System.Text;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Hardening;

/// <summary>Hostile packets, built byte by byte. Every query asks example.org A with ID 0x1234 unless it says otherwise.</summary>
internal static class HostilePackets
{
    /// <summary>The largest UDP payload over IPv4 (65 535 − 20 − 8).</summary>
    public const int MaxUdpPayload = 65507;

    private static readonly byte[] Valid = TestQueries.Build("example.org", DnsType.A);

    private static readonly byte[] WithEdns = TestQueries.Build("example.org", DnsType.A, edns: true);

    private static readonly byte[] Header = Convert.FromHexString("123401000001000000000000");

    /// <summary>Packets whose counts promise more or less than they carry; whether the reply carries an OPT.</summary>
    public static IReadOnlyDictionary<string, (byte[] Packet, bool Opt)> LyingCounts { get; } = new Dictionary<string, (byte[], bool)>
    {
        ["ancount-1-no-record"] = (TestQueries.WithCounts(Valid, 1, 1, 0, 0), false),
        ["nscount-65535-no-record"] = (TestQueries.WithCounts(Valid, 1, 0, 65535, 0), false),
        ["arcount-1-no-record"] = (TestQueries.WithCounts(Valid, 1, 0, 0, 1), false),
        ["arcount-65535-one-opt"] = (TestQueries.WithCounts(WithEdns, 1, 0, 0, 65535), true),
        ["arcount-0-opt-present"] = (TestQueries.WithCounts(WithEdns, 1, 0, 0, 0), false),
        ["opt-rdlength-past-the-end"] = (WithOptRdLength(WithEdns, 10), false),
        ["trailing-1-byte"] = ([.. Valid, 0], false),
        ["trailing-512-bytes"] = (PadWithJunk(Valid, Valid.Length + 512), false),
        ["trailing-after-opt"] = ([.. WithEdns, 0xDE, 0xAD], true),
    };

    /// <summary>Bad names in the question (not readable) or in a record's owner (question readable).</summary>
    public static IReadOnlyDictionary<string, (byte[] Packet, bool QuestionReadable)> MalformedNames { get; } = new Dictionary<string, (byte[], bool)>
    {
        ["label-of-64-octets"] = (Question([0x40, .. Repeat('a', 64), 0, 0, 1, 0, 1]), false),
        ["label-type-0x40-bitstring"] = (Question([0x41, 0x08, 0xFF, 0, 0, 1, 0, 1]), false),
        ["label-type-0x80"] = (Question([0x80, 0x03, .. Repeat('a', 3), 0, 0, 1, 0, 1]), false),
        ["name-of-256-octets"] = (Question([.. Labels(63, 63, 63, 62), 0, 0, 1, 0, 1]), false),
        ["name-of-6400-octets"] = (Question([.. Labels([.. Enumerable.Repeat(63, 100)]), 0, 0, 1, 0, 1]), false),
        ["unterminated-name"] = (Question([0x03, .. Repeat('a', 3)]), false),
        ["unterminated-label"] = (Question([0x07, .. Repeat('a', 2)]), false),
        ["name-without-type-and-class"] = (Question([0x03, .. Repeat('a', 3), 0]), false),
        ["question-pointer-to-itself"] = (Question([0xC0, 0x0C, 0, 1, 0, 1]), false),
        ["question-pointer-forward"] = (Question([0xC0, 0x12, 0, 1, 0, 1, 0x01, (byte)'a', 0]), false),
        ["question-pointer-into-header"] = (Question([0xC0, 0x04, 0, 1, 0, 1]), false),
        ["owner-pointer-to-itself"] = (WithOwner(self => [0xC0, (byte)self]), true),
        ["owner-pointer-loop-of-two"] = (WithPointerLoop(), true),
        ["owner-pointer-forward"] = (WithOwner(self => [0xC0, (byte)(self + 12)], rdata: [0x01, (byte)'a', 0]), true),
        ["owner-pointer-into-header"] = (WithOwner(_ => [0xC0, 0x02]), true),
        ["owner-pointer-chain-300-deep"] = (WithPointerChainOwner(300), true),
        ["owner-over-255-through-pointers"] = (WithLongOwnerThroughPointers(), true),
        ["owner-label-type-0x80"] = (WithOwner(_ => [0x80, 0x01, (byte)'a', 0]), true),
    };

    /// <summary>Responses (QR=1) of several shapes; none may be answered.</summary>
    public static IEnumerable<byte[]> Responses()
    {
        byte[] response = (byte[])Valid.Clone();
        response[2] |= 0x80;
        yield return response;
        yield return response[..DnsHeader.Size];
        yield return [.. response[..DnsHeader.Size], 0xFF, 0xFF, 0xFF];                 // and junk
        byte[] answered = TestQueries.WithCounts([.. response, 0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 99], 1, 1, 0, 0);
        answered[3] |= 0x80;                                                                 // RA, as a resolver's answer
        yield return answered;
        byte[] formErr = (byte[])response.Clone();
        formErr[3] = 0x01;                                                                   // a FORMERR, which must not start a loop
        yield return formErr;
        byte[] notify = (byte[])response.Clone();
        notify[2] = 0x80 | (4 << 3);                                                         // a NOTIFY response
        yield return notify;
    }

    /// <summary><paramref name="packet"/> followed by 0xFF bytes up to <paramref name="size"/> in all.</summary>
    public static byte[] PadWithJunk(byte[] packet, int size)
    {
        var padded = new byte[size];
        padded.AsSpan().Fill(0xFF);
        packet.CopyTo(padded, 0);
        return padded;
    }

    /// <summary>A well-formed EDNS query of exactly <paramref name="size"/> bytes: one Padding option (RFC 7830) fills it.</summary>
    public static byte[] PaddedQuery(int size)
    {
        int fixedPart = TestQueries.Build("example.org", DnsType.A, edns: true).Length + 4;
        return TestQueries.Build("example.org", DnsType.A, edns: true, options: TestQueries.Option(EdnsOptions.Padding, new byte[size - fixedPart]));
    }

    /// <summary>
    /// A query with two additional records: a TXT whose RDATA is a chain of <paramref name="hops"/> − 1 pointers
    /// (the first to the question name, each next to the one before), and an A record owned by a pointer to the
    /// chain's end, so its owner takes <paramref name="hops"/> pointer hops to read.
    /// </summary>
    public static byte[] WithPointerChainOwner(int hops)
    {
        var packet = new List<byte>(TestQueries.WithCounts(Valid, 1, 0, 0, 2));
        int chain = packet.Count + 11;
        var rdata = new List<byte> { 0xC0, DnsHeader.Size };
        for (int i = 1; i < hops - 1; i++)
        {
            rdata.AddRange(Pointer(chain + 2 * (i - 1)));
        }

        packet.AddRange(Record([0], DnsType.TXT, rdata));
        packet.AddRange(Record(Pointer(chain + 2 * (hops - 2)), DnsType.A, []));
        return [.. packet];
    }

    private static byte[] Question(byte[] question) => [.. Header, .. question];

    /// <summary>The valid query plus one additional record with the owner <paramref name="owner"/> makes from its own offset.</summary>
    private static byte[] WithOwner(Func<int, byte[]> owner, byte[]? rdata = null)
    {
        byte[] packet = TestQueries.WithCounts(Valid, 1, 0, 0, 1);
        return [.. packet, .. Record(owner(packet.Length), DnsType.TXT, rdata ?? [])];
    }

    /// <summary>Two records whose owners point at each other: the second points back, the first forward.</summary>
    private static byte[] WithPointerLoop()
    {
        byte[] packet = TestQueries.WithCounts(Valid, 1, 0, 0, 2);
        int first = packet.Length;
        int second = first + 2 + 10;
        return [.. packet, .. Record(Pointer(second), DnsType.TXT, []), .. Record(Pointer(first), DnsType.TXT, [])];
    }

    /// <summary>A TXT whose RDATA holds a 205-octet name, and a record owned by one more label and a pointer to it: 269 octets.</summary>
    private static byte[] WithLongOwnerThroughPointers()
    {
        byte[] packet = TestQueries.WithCounts(Valid, 1, 0, 0, 2);
        int longName = packet.Length + 11;
        byte[] rdata = [.. Labels(63, 63, 63), 0xC0, DnsHeader.Size];
        return [.. packet, .. Record([0], DnsType.TXT, rdata), .. Record([.. Labels(63), .. Pointer(longName)], DnsType.TXT, [])];
    }

    private static byte[] WithOptRdLength(byte[] query, ushort rdLength)
    {
        byte[] copy = (byte[])query.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(copy.Length - 2), rdLength);
        return copy;
    }

    private static byte[] Record(IEnumerable<byte> owner, DnsType type, IReadOnlyCollection<byte> rdata) =>
        [.. owner, 0, (byte)type, 0, 1, 0, 0, 0, 0, (byte)(rdata.Count >> 8), (byte)rdata.Count, .. rdata];

    private static byte[] Pointer(int offset) => [(byte)(0xC0 | (offset >> 8)), (byte)offset];

    private static byte[] Labels(params int[] lengths)
    {
        var name = new List<byte>();
        foreach (int length in lengths)
        {
            name.Add((byte)length);
            name.AddRange(Repeat('a', length));
        }

        return [.. name];
    }

    private static byte[] Repeat(char c, int count) => Encoding.ASCII.GetBytes(new string(c, count));
}
