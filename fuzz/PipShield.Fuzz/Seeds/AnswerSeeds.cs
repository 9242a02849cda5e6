using System.Text;
using static PipShield.Fuzz.Seeds.QuerySeeds;

namespace PipShield.Fuzz.Seeds;

/// <summary>
/// Seeds for the <c>answer</c> target: upstream replies. Bit 0 of the ID says the query had EDNS, bit 1 the DO
/// bit (see <see cref="Targets.AnswerTarget"/>).
/// </summary>
internal static class AnswerSeeds
{
    private const ushort A = 1;
    private const ushort Cname = 5;
    private const ushort Soa = 6;
    private const ushort Txt = 16;
    private const ushort Aaaa = 28;
    private const ushort NoError = 0x8180;
    private const ushort NxDomain = 0x8183;
    private static readonly byte[] QName = [0xC0, 12];

    public static IEnumerable<(string Name, byte[] Bytes)> All()
    {
        yield return ("a-with-opt", Reply(0x1001, NoError, "www.example.org", A, [Record(QName, A, 300, [192, 0, 2, 1])], [], Opt(1232)));
        yield return ("cname-to-tracker", Reply(0x1000, NoError, "metrics.example.org", A,
            [Record(QName, Cname, 300, Wire("tracker.example.com")), Record([0xC0, 49], A, 60, [192, 0, 2, 5])], []));
        yield return ("cname-to-local-data", Reply(0x1002, NoError, "promo.example.net", Aaaa,
            [Record(QName, Cname, 300, Wire("giftcard-scam.example.org"))], []));
        yield return ("a-listed-address", Reply(0x1003, NoError, "shop.example.net", A, [Record(QName, A, 300, [192, 0, 2, 66])], [], Opt(4096, dnssecOk: true)));
        yield return ("aaaa-listed-prefix", Reply(0x1001, NoError, "cdn.example.net", Aaaa,
            [Record(QName, Aaaa, 300, [0x20, 0x01, 0x0d, 0xb8, 0x0b, 0xad, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])], [], Opt(1232)));
        yield return ("nxdomain-soa", Reply(0x1001, NxDomain, "missing.example.org", A, [], [Record([0xC0, 20], Soa, 3600, SoaData())], Opt(1232)));
        yield return ("nodata-soa", Reply(0x1000, NoError, "www.example.org", Aaaa, [], [Record([0xC0, 16], Soa, 900, SoaData())]));
        yield return ("txt-over-512", Reply(0x1001, NoError, "big.example.org", Txt,
            [Record(QName, Txt, 300, TxtData(250, 'a')), Record(QName, Txt, 300, TxtData(250, 'b')), Record(QName, Txt, 300, TxtData(100, 'c'))], [], Opt(1232)));
        yield return ("opt-not-last", Reply(0x1001, NoError, "www.example.org", A, [Record(QName, A, 300, [192, 0, 2, 1])], [],
            [.. Opt(1232), .. Record(QName, A, 300, [192, 0, 2, 2])], additionalCount: 2));
        yield return ("ttl-top-bit", Reply(0x1000, NoError, "www.example.org", A, [Record(QName, A, 0x8000_0001, [192, 0, 2, 1])], []));
        yield return ("mixed-case", Reply(0x1000, NoError, "WwW.ExAmPlE.oRg", A,
            [Record(QName, A, 300, [192, 0, 2, 1]), Record(QName, A, 30, [192, 0, 2, 2])], []));
    }

    private static byte[] Reply(ushort id, ushort flags, string name, ushort type, byte[][] answers, byte[][] authority,
        byte[]? additional = null, ushort additionalCount = 1)
    {
        var message = new List<byte>(Header(id, flags, 1, (ushort)answers.Length, (ushort)authority.Length, additional is null ? (ushort)0 : additionalCount));
        message.AddRange([.. Wire(name), .. U16(type), .. U16(1)]);
        foreach (byte[] record in answers.Concat(authority))
        {
            message.AddRange(record);
        }

        message.AddRange(additional ?? []);
        return [.. message];
    }

    private static byte[] Record(byte[] owner, ushort type, uint ttl, byte[] rdata) =>
        [.. owner, .. U16(type), .. U16(1), (byte)(ttl >> 24), (byte)(ttl >> 16), (byte)(ttl >> 8), (byte)ttl, .. U16((ushort)rdata.Length), .. rdata];

    private static byte[] SoaData() =>
        [.. Wire("ns.example.org"), .. Wire("hostmaster.example.org"), 0, 0, 0, 1, 0, 0, 0x0e, 0x10, 0, 0, 0x02, 0x58, 0, 1, 0x51, 0x80, 0, 0, 0x01, 0x2c];

    private static byte[] TxtData(int length, char fill) => [(byte)length, .. Encoding.ASCII.GetBytes(new string(fill, length))];
}
