using System.Net;
using System.Net.Sockets;
using System.Text;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Fakes;

/// <summary>
/// Says how a <see cref="FakeUpstream"/> answers. Records are matched by owner name (any case) and type, and
/// CNAME chains among them are followed, like a small authoritative server; a name with no records gets
/// NXDOMAIN (or an empty NOERROR when no records were configured at all).
/// </summary>
public sealed class FakeUpstreamBuilder
{
    private readonly List<FakeRecord> _records = [];
    private readonly List<FakeRecord> _extraAnswers = [];
    private readonly List<FakeRecord> _authority = [];
    private readonly List<FakeRecord> _additional = [];
    private FakeTcpFailure _tcpFailure;
    private Rcode? _rcode;
    private TimeSpan _delay;
    private bool _truncate;
    private bool _silent;
    private bool _edns = true;
    private int _copies = 1;
    private Bogus _bogus;
    private bool _bogusThenAnswer;

    /// <summary>Replies sent before (or instead of) the real one.</summary>
    internal enum Bogus : byte
    {
        None = 0,
        WrongId = 1,
        WrongQuestion = 2,
        WrongSource = 3,
    }

    /// <summary>Adds a record in master-file form: <c>example.org. 60 IN A 192.0.2.1</c> (A, AAAA, CNAME, NS, PTR, TXT, MX, SOA).</summary>
    public FakeUpstreamBuilder WithAnswer(string record)
    {
        _records.Add(FakeRecord.Parse(record));
        return this;
    }

    /// <summary>Appends this record to the answer section of every reply, whatever the question (an unrelated answer).</summary>
    public FakeUpstreamBuilder WithExtraAnswer(string record)
    {
        _extraAnswers.Add(FakeRecord.Parse(record));
        return this;
    }

    /// <summary>Puts this record in the authority section of every reply (SOA and MX are accepted as well).</summary>
    public FakeUpstreamBuilder WithAuthority(string record)
    {
        _authority.Add(FakeRecord.Parse(record));
        return this;
    }

    /// <summary>Puts this record in the additional section of every reply, before the OPT.</summary>
    public FakeUpstreamBuilder WithAdditional(string record)
    {
        _additional.Add(FakeRecord.Parse(record));
        return this;
    }

    /// <summary>How the TCP side fails after it has read a query (use with <see cref="WithTruncation"/>).</summary>
    public FakeUpstreamBuilder WithTcpFailure(FakeTcpFailure failure)
    {
        _tcpFailure = failure;
        return this;
    }

    /// <summary>Adds <c>owner CNAME target</c>.</summary>
    public FakeUpstreamBuilder WithCname(string owner, string target, int ttl = 60) =>
        WithAnswer($"{owner} {ttl} IN CNAME {target}");

    /// <summary>Answers every query with this rcode (records still go in the answer section when they match).</summary>
    public FakeUpstreamBuilder WithRcode(Rcode rcode)
    {
        _rcode = rcode;
        return this;
    }

    /// <summary>Waits this long before the real reply (bogus replies go out at once).</summary>
    public FakeUpstreamBuilder WithDelay(TimeSpan delay)
    {
        _delay = delay;
        return this;
    }

    /// <summary>UDP replies carry TC=1 and no records; TCP replies are complete.</summary>
    public FakeUpstreamBuilder WithTruncation()
    {
        _truncate = true;
        return this;
    }

    /// <summary>Counts and records queries but never replies (over UDP or TCP).</summary>
    public FakeUpstreamBuilder WithNoReply()
    {
        _silent = true;
        return this;
    }

    /// <summary>Replies without an OPT record even when the query had one.</summary>
    public FakeUpstreamBuilder WithoutEdns()
    {
        _edns = false;
        return this;
    }

    /// <summary>Sends each UDP reply <paramref name="copies"/> times.</summary>
    public FakeUpstreamBuilder WithDuplicateReplies(int copies = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        _copies = copies;
        return this;
    }

    /// <summary>Over UDP, first replies with another ID; then with the real reply only when <paramref name="thenAnswer"/>.</summary>
    public FakeUpstreamBuilder WithWrongId(bool thenAnswer = false) => WithBogus(Bogus.WrongId, thenAnswer);

    /// <summary>Over UDP, first replies with the right ID but another question; then the real reply only when <paramref name="thenAnswer"/>.</summary>
    public FakeUpstreamBuilder WithWrongQuestion(bool thenAnswer = false) => WithBogus(Bogus.WrongQuestion, thenAnswer);

    /// <summary>Over UDP, first sends the real reply from another port; then from the right one only when <paramref name="thenAnswer"/>.</summary>
    public FakeUpstreamBuilder WithWrongSource(bool thenAnswer = false) => WithBogus(Bogus.WrongSource, thenAnswer);

    internal FakeBehavior Build() => new([.. _records], _rcode, _delay, _truncate, _silent, _edns, _copies, _bogus, _bogusThenAnswer)
    {
        ExtraAnswers = [.. _extraAnswers],
        Authority = [.. _authority],
        Additional = [.. _additional],
        TcpFailure = _tcpFailure,
    };

    private FakeUpstreamBuilder WithBogus(Bogus bogus, bool thenAnswer)
    {
        _bogus = bogus;
        _bogusThenAnswer = thenAnswer;
        return this;
    }

    /// <summary>A snapshot of the builder; the server swaps whole snapshots.</summary>
    internal sealed record FakeBehavior(FakeRecord[] Records, Rcode? Rcode, TimeSpan Delay, bool Truncate, bool Silent, bool Edns,
        int Copies, Bogus BogusReply, bool BogusThenAnswer)
    {
        public FakeRecord[] ExtraAnswers { get; init; } = [];

        public FakeRecord[] Authority { get; init; } = [];

        public FakeRecord[] Additional { get; init; } = [];

        public FakeTcpFailure TcpFailure { get; init; }
    }
}

/// <summary>What a <see cref="FakeUpstream"/> does on TCP once it has read a query, instead of answering.</summary>
public enum FakeTcpFailure
{
    None = 0,

    /// <summary>Resets the connection (RST: close with a zero linger time).</summary>
    Reset = 1,

    /// <summary>Closes the connection cleanly without a reply.</summary>
    Close = 2,

    /// <summary>Keeps the connection open and never replies.</summary>
    Silent = 3,
}

/// <summary>One record of a <see cref="FakeUpstream"/>; names are kept lower-case, without the trailing dot.</summary>
internal sealed record FakeRecord(string Owner, ushort Type, int Ttl, string? TargetName, byte[] RData)
{
    public static FakeRecord Parse(string text)
    {
        string[] parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 4)
        {
            throw new FormatException($"'{text}': expected 'owner ttl [IN] type data'");
        }

        string owner = Normalize(parts[0]);
        int ttl = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        int index = parts[2].Equals("IN", StringComparison.OrdinalIgnoreCase) ? 3 : 2;
        string type = parts[index].ToUpperInvariant();
        string data = string.Join(' ', parts[(index + 1)..]);
        return type switch
        {
            "A" => new(owner, (ushort)DnsType.A, ttl, null, Address(data, AddressFamily.InterNetwork)),
            "AAAA" => new(owner, (ushort)DnsType.AAAA, ttl, null, Address(data, AddressFamily.InterNetworkV6)),
            "CNAME" => new(owner, (ushort)DnsType.CNAME, ttl, Normalize(data), []),
            "NS" => new(owner, (ushort)DnsType.NS, ttl, Normalize(data), []),
            "PTR" => new(owner, (ushort)DnsType.PTR, ttl, Normalize(data), []),
            "TXT" => new(owner, (ushort)DnsType.TXT, ttl, null, Txt(data.Trim('"'))),
            "MX" => new(owner, (ushort)DnsType.MX, ttl, null, Mx(data)),
            "SOA" => new(owner, (ushort)DnsType.SOA, ttl, null, Soa(data)),
            _ => throw new FormatException($"'{text}': type {type} is not supported by the fake"),
        };
    }

    public static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant();

    private static byte[] Address(string text, AddressFamily family)
    {
        IPAddress address = IPAddress.Parse(text);
        return address.AddressFamily == family ? address.GetAddressBytes() : throw new FormatException($"'{text}' is not {family}");
    }

    /// <summary><c>10 mail.example.org.</c>, the exchange uncompressed (as RFC 1035 allows a sender).</summary>
    private static byte[] Mx(string text)
    {
        string[] parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        ushort preference = ushort.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        return [(byte)(preference >> 8), (byte)preference, .. WireName(parts[1])];
    }

    /// <summary><c>ns.example.org. host.example.org. serial refresh retry expire minimum</c>, names uncompressed.</summary>
    private static byte[] Soa(string text)
    {
        string[] parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var bytes = new List<byte>();
        bytes.AddRange(WireName(parts[0]));
        bytes.AddRange(WireName(parts[1]));
        foreach (string number in parts[2..7])
        {
            uint value = uint.Parse(number, System.Globalization.CultureInfo.InvariantCulture);
            bytes.AddRange([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
        }

        return [.. bytes];
    }

    private static byte[] WireName(string name)
    {
        var bytes = new List<byte>();
        foreach (string label in Normalize(name).Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        return [.. bytes];
    }

    private static byte[] Txt(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return bytes.Length <= 255 ? [(byte)bytes.Length, .. bytes] : throw new FormatException("TXT strings hold at most 255 bytes");
    }
}
