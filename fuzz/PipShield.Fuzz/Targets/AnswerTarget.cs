using System.Buffers.Binary;
using PipShield.Blocklist;
using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Parsing;
using PipShield.Resolver.Listeners;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.Cache;
using PipShield.Resolver.Stages.Policy;
using PipShield.Resolver.Stages.ResponsePolicy;
using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;

namespace PipShield.Fuzz.Targets;

/// <summary>
/// The <c>answer</c> target: the bytes are an upstream's reply, taken through the response path as the
/// resolver takes it. PipShield is assumed to have asked the reply's own question (with EDNS when bit 0 of its
/// ID is set, and the DO bit too when bit 1 is); <see cref="UpstreamReply.Check"/> decides whether the reply is accepted, then
/// <see cref="ResponsePolicyStage"/> checks CNAME targets and addresses against a small image, and an
/// answer that is not blocked goes into a <see cref="ResponseCache"/> and is served back from it, fresh and
/// aged, to a client with another ID and 0x20-mixed case, and cut down by <see cref="UdpTruncation"/>.
/// </summary>
/// <remarks>
/// Nothing may throw. Every reply a client would get must read back (<see cref="ReplyChecks"/>); a cache hit
/// must follow an insert, carry no TTL above the stored one, and lower TTLs by the entry's age.
/// </remarks>
internal static class AnswerTarget
{
    public const string Name = "answer";

    private const int AgeSeconds = 7;

    private static readonly ImageHolder Images = new(CompileImage());
    private static readonly PolicyStage Policy = new(Images, new PolicyOptions
    {
        SinkholeIPv4 = "192.0.2.250",
        SinkholeIPv6 = "2001:db8::250",
        CategoryActions = { ["scam"] = RuleAction.NxDomain },
    });

    private static readonly ResponsePolicyStage ResponsePolicy = new(Images, Policy);
    private static readonly ManualTime Clock = new();
    private static readonly ResponseCache Cache = new(new CacheOptions { MaxEntries = 1_000, MaxBytes = 4 << 20, Prefetch = false }, Clock);
    private static readonly QueryContext Upstream = new();
    private static readonly QueryContext Client = new();

    public static void Run(ReadOnlySpan<byte> reply)
    {
        if (!TryReadQuestion(reply, out int questionEnd))
        {
            return; // a reply to no question PipShield could have asked
        }

        ushort id = DnsHeader.Id(reply);
        Upstream.Reset();
        WriteQuery(Upstream, reply[DnsHeader.Size..questionEnd], id, edns: (id & 1) != 0, dnssecOk: (id & 2) != 0);
        if (UpstreamReply.Check(reply, id, reply[DnsHeader.Size..questionEnd]) != ReplyCheck.Accept)
        {
            return;
        }

        reply.CopyTo(Upstream.Response);
        Upstream.ResponseLength = reply.Length;
        Upstream.Origin = ResponseOrigin.Upstream;
        ResponsePolicy.Process(Upstream);
        if (Upstream.ResponseLength == 0)
        {
            return; // the matching rule's action is to drop the query
        }

        if (Upstream.Origin == ResponseOrigin.Blocked)
        {
            ReplyChecks.Check(Upstream.RequestSpan, Upstream.Query, rcode: null, Upstream.ResponseSpan);
            return;
        }

        FuzzFindingException.Check(Upstream.ResponseSpan.SequenceEqual(reply), "an answer that is not blocked passes unchanged");
        Cache.Clear();
        Clock.Now = 0;
        if (Cache.TryInsert(Upstream) != CacheInsertOutcome.Inserted)
        {
            return;
        }

        // Another client asks the same question: other ID, 0x20 case, and EDNS the other way round unless the
        // DO bit (part of the cache key) needs it.
        Client.Reset();
        bool dnssecOk = Upstream.Query.DnssecOk;
        WriteQuery(Client, reply[DnsHeader.Size..questionEnd], (ushort)~id, edns: dnssecOk || !Upstream.Query.HasEdns, dnssecOk, flipCase: true);
        Client.MaxResponseSize = 512;
        FuzzFindingException.Check(Cache.TryWriteHit(Client), "an answer just cached is a hit");
        ReplyChecks.Check(Client.RequestSpan, Client.Query, (Rcode)(reply[3] & 0xF), Client.ResponseSpan, namesDecompress: false);
        byte[] fresh = Client.ResponseSpan.ToArray();

        Clock.Now = AgeSeconds * Clock.TimestampFrequency;
        if (Cache.TryWriteHit(Client) || Cache.TryWriteStale(Client))
        {
            ReplyChecks.Check(Client.RequestSpan, Client.Query, (Rcode)(reply[3] & 0xF), Client.ResponseSpan, namesDecompress: false);
            CheckAged(fresh, Client.ResponseSpan, Client.Origin == ResponseOrigin.Cache);
        }

        int length = UdpTruncation.Apply(Client.Response, Client.ResponseLength, Client.MaxResponseSize);
        if (length != Client.ResponseLength)
        {
            FuzzFindingException.Check(length <= Client.MaxResponseSize && (DnsHeader.Flags(Client.Response) & DnsHeader.TcFlag) != 0,
                "a truncated reply fits and sets TC");
            ReplyChecks.Check(Client.RequestSpan, Client.Query, rcode: null, Client.Response.AsSpan(0, length), namesDecompress: false);
        }
    }

    /// <summary>The same records, each TTL lowered by the age (never below 1) on a fresh hit.</summary>
    private static void CheckAged(ReadOnlySpan<byte> fresh, ReadOnlySpan<byte> aged, bool stillFresh)
    {
        // A stale answer may carry one more thing: EDE 3 (Stale Answer) in its OPT.
        FuzzFindingException.Check(stillFresh ? aged.Length == fresh.Length : aged.Length >= fresh.Length, "an aged hit is as long as a fresh one");
        var before = new DnsRecordReader(fresh);
        var after = new DnsRecordReader(aged);
        while (before.TryReadNext(out DnsRecordInfo a))
        {
            FuzzFindingException.Check(after.TryReadNext(out DnsRecordInfo b) && a.TtlOffset == b.TtlOffset && a.Type == b.Type,
                "an aged hit has the same records");
            if (stillFresh && a.Type != (ushort)DnsType.OPT)
            {
                FuzzFindingException.Check(b.Ttl == (a.Ttl > AgeSeconds ? a.Ttl - AgeSeconds : 1), "a hit's TTLs go down by the entry's age");
            }
        }
    }

    /// <summary>One question with a plain (uncompressed) name: what PipShield's own queries hold.</summary>
    private static bool TryReadQuestion(ReadOnlySpan<byte> reply, out int questionEnd)
    {
        questionEnd = 0;
        if (reply.Length < DnsHeader.Size || DnsHeader.QdCount(reply) != 1)
        {
            return false;
        }

        int position = DnsHeader.Size;
        while (position < reply.Length && reply[position] is not 0 and <= 63 && position - DnsHeader.Size + 1 + reply[position] < 255)
        {
            position += 1 + reply[position];
        }

        if (position >= reply.Length || reply[position] != 0 || position + 5 > reply.Length)
        {
            return false;
        }

        questionEnd = position + 5;
        return true;
    }

    private static void WriteQuery(QueryContext context, ReadOnlySpan<byte> question, ushort id, bool edns, bool dnssecOk, bool flipCase = false)
    {
        Span<byte> request = context.Request;
        BinaryPrimitives.WriteUInt16BigEndian(request, id);
        BinaryPrimitives.WriteUInt16BigEndian(request[2..], DnsHeader.RdFlag);
        BinaryPrimitives.WriteUInt16BigEndian(request[4..], 1);
        request[6..12].Clear();
        question.CopyTo(request[DnsHeader.Size..]);
        int length = DnsHeader.Size + question.Length;
        if (flipCase)
        {
            for (int i = DnsHeader.Size; i < length - 4; i++)
            {
                byte b = request[i];
                request[i] = (uint)((b | 0x20) - 'a') <= 'z' - 'a' ? (byte)(b ^ 0x20) : b;
            }
        }

        if (edns)
        {
            ReadOnlySpan<byte> opt = [0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0];
            opt.CopyTo(request[length..]);
            request[length + 7] = dnssecOk ? (byte)0x80 : (byte)0;
            length += opt.Length;
            request[11] = 1;
        }

        context.RequestLength = length;
        QueryParseStatus status = QueryParser.Parse(context.RequestSpan, out QueryInfo info);
        FuzzFindingException.Check(status == QueryParseStatus.Ok, "the query PipShield would send parses");
        context.Query = info;
    }

    private static BlocklistImage CompileImage()
    {
        var compiler = new BlocklistCompiler(new CompilerOptions { BuildTime = DateTimeOffset.UnixEpoch });
        compiler.AddSource(new SourceDescriptor("trackers", "tracking", ListFormat.Domains),
            new StringReader("tracker.example.com\nphish.example.net\n*.promo.example.com\n"));
        compiler.AddSource(new SourceDescriptor("scams", "scam", ListFormat.Rpz),
            new StringReader("giftcard-scam.example.org A 192.0.2.10\ngiftcard-scam.example.org AAAA 2001:db8::10\nnx.example.org CNAME .\n"));
        compiler.AddSource(new SourceDescriptor("c2", "c2", ListFormat.Ip), new StringReader("192.0.2.66\n198.51.100.0/24\n2001:db8:bad::/48\n"));
        compiler.AddSource(new SourceDescriptor("allow", "custom", ListFormat.Domains, IsAllowlist: true), new StringReader("ok.example.org\n"));
        return BlocklistImage.FromBytes(compiler.ToArray());
    }

    /// <summary>A clock the target sets, so that TTL arithmetic is the same on every run.</summary>
    private sealed class ManualTime : TimeProvider
    {
        public long Now { get; set; }

        public override long GetTimestamp() => Now;
    }
}
