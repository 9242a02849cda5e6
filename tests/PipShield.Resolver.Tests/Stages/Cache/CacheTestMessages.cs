using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.Cache;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;

namespace PipShield.Resolver.Tests.Stages.Cache;

/// <summary>Queries, upstream-style responses and contexts for the cache tests, as real wire bytes.</summary>
internal static class CacheTestMessages
{
    public const ushort ResponseFlags = DnsHeader.QrFlag | DnsHeader.RdFlag | DnsHeader.RaFlag;

    private static ReadOnlySpan<byte> SoaMName => "\u0002ns\u0007example\u0003org\u0000"u8;

    private static ReadOnlySpan<byte> SoaRName => "\u0004host\u0007example\u0003org\u0000"u8;

    public static FakeTimeProvider NewClock() => new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A cache with one shard, so sizes and eviction are exact.</summary>
    public static ResponseCache NewCache(TimeProvider time, Action<CacheOptions>? configure = null, int shards = 1)
    {
        var options = new CacheOptions();
        configure?.Invoke(options);
        return new ResponseCache(options, time, shards);
    }

    public static byte[] Query(string name, DnsType type = DnsType.A, ushort id = 0x1234, bool edns = false, bool dnssecOk = false,
        ushort flags = DnsHeader.RdFlag, ushort qclass = 1)
    {
        byte[] query = TestQueries.Build(name, type, id, flags, edns, dnssecOk: dnssecOk);
        QueryParser.Parse(query, out QueryInfo info);
        BinaryPrimitives.WriteUInt16BigEndian(query.AsSpan(info.QuestionEnd - 2), qclass);
        return query;
    }

    public static QueryContext Context(byte[] query)
    {
        var context = new QueryContext();
        query.CopyTo(context.Request, 0);
        context.RequestLength = query.Length;
        Assert.Equal(QueryParseStatus.Ok, QueryParser.Parse(context.RequestSpan, out QueryInfo info));
        context.Query = info;
        return context;
    }

    /// <summary>An upstream answer to <paramref name="query"/>: <paramref name="count"/> records of the asked type,
    /// each RDATA ending in <paramref name="marker"/>, and an OPT when the query had one.</summary>
    public static byte[] Answer(byte[] query, uint ttl, byte marker = 1, int count = 1, ushort flags = ResponseFlags,
        Rcode rcode = Rcode.NoError, byte[]? optOptions = null)
    {
        QueryParser.Parse(query, out QueryInfo info);
        var buffer = new byte[4096];
        var writer = new DnsMessageWriter(buffer);
        writer.TryWriteHeader(info.Id, (ushort)(flags | (ushort)rcode), 1, 0, 0, 0);
        writer.TryWriteBytes(info.Question(query));
        for (int i = 0; i < count; i++)
        {
            byte[] rdata = info.QType switch
            {
                (ushort)DnsType.AAAA => [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)i, marker],
                (ushort)DnsType.TXT => [2, (byte)('a' + i), marker],
                _ => [192, 0, (byte)(2 + i), marker],
            };
            writer.TryWriteRecordHeader(DnsMessageWriter.QNamePointer, (DnsType)info.QType, info.QClass, ttl, rdata.Length);
            writer.TryWriteBytes(rdata);
        }

        ushort additional = 0;
        if (info.HasEdns)
        {
            int start = writer.Length;
            writer.TryWriteOpt(4096, info.DnssecOk, 0, null, default);
            if (optOptions is not null)
            {
                BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(start + 9), (ushort)optOptions.Length);
                writer.TryWriteBytes(optOptions);
            }

            additional = 1;
        }

        writer.SetCounts((ushort)count, 0, additional);
        return buffer[..writer.Length];
    }

    /// <summary>NXDOMAIN or NODATA (NOERROR, no answer) with an SOA in authority, or none.</summary>
    public static byte[] Negative(byte[] query, Rcode rcode, uint soaTtl, uint minimum, bool withSoa = true)
    {
        QueryParser.Parse(query, out QueryInfo info);
        var buffer = new byte[4096];
        var writer = new DnsMessageWriter(buffer);
        writer.TryWriteHeader(info.Id, (ushort)(ResponseFlags | (ushort)rcode), 1, 0, 0, 0);
        writer.TryWriteBytes(info.Question(query));
        if (withSoa)
        {
            var numbers = new byte[20];
            BinaryPrimitives.WriteUInt32BigEndian(numbers, 2025010101);
            BinaryPrimitives.WriteUInt32BigEndian(numbers.AsSpan(4), 7200);
            BinaryPrimitives.WriteUInt32BigEndian(numbers.AsSpan(8), 3600);
            BinaryPrimitives.WriteUInt32BigEndian(numbers.AsSpan(12), 1209600);
            BinaryPrimitives.WriteUInt32BigEndian(numbers.AsSpan(16), minimum);
            writer.TryWriteRecordHeader(DnsMessageWriter.QNamePointer, DnsType.SOA, 1, soaTtl, SoaMName.Length + SoaRName.Length + 20);
            writer.TryWriteBytes(SoaMName);
            writer.TryWriteBytes(SoaRName);
            writer.TryWriteBytes(numbers);
        }

        writer.SetCounts(0, withSoa ? (ushort)1 : (ushort)0, 0);
        return buffer[..writer.Length];
    }

    /// <summary>Stores <paramref name="response"/> as the upstream's answer to <paramref name="query"/>.</summary>
    public static CacheInsertOutcome Insert(ResponseCache cache, byte[] query, byte[] response)
    {
        QueryContext context = Context(query);
        response.CopyTo(context.Response, 0);
        context.ResponseLength = response.Length;
        context.Origin = ResponseOrigin.Upstream;
        return cache.TryInsert(context);
    }

    /// <summary>Looks <paramref name="query"/> up; the decoded response, or null on a miss.</summary>
    public static DnsMessage? Hit(ResponseCache cache, byte[] query) => Hit(cache, query, out _);

    public static DnsMessage? Hit(ResponseCache cache, byte[] query, out QueryContext context)
    {
        context = Context(query);
        return cache.TryWriteHit(context) ? Decode(context) : null;
    }

    public static DnsMessage Decode(QueryContext context) => DnsMessage.Parse(new ArraySegment<byte>(context.Response, 0, context.ResponseLength));
}
