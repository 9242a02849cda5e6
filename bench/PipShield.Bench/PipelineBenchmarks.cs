using System.Buffers.Binary;
using System.Net;
using BenchmarkDotNet.Attributes;
using PipShield.Bench.Data;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.QueryLog;
using PipShield.Resolver.Stages.Admission;
using PipShield.Resolver.Stages.Cache;
using PipShield.Resolver.Stages.Policy;
using PipShield.Resolver.Wire;

namespace PipShield.Bench;

/// <summary>
/// One query through the resolver's stages as a UDP listener runs them on its receiving thread: parse,
/// access control, policy against the 100k-rule image, cache. <c>Blocked</c>: a listed name, answered with
/// the sinkhole and an Extended DNS Error. <c>CacheHit</c>: an unlisted name whose answer is cached, copied
/// out with its TTL lowered. Both must allocate nothing ("Allocated" column <c>-</c>), with the query log on
/// too (<c>QueryLog=True</c>: every query is copied into the log's ring, which a reader thread empties as the
/// service's writer does).
/// </summary>
[Config(typeof(LookupConfig))]
public class PipelineBenchmarks
{
    private const int Count = 1024;
    private QueryPipeline _pipeline = null!;
    private QueryContext _context = null!;
    private byte[][] _queries = null!;
    private ClientAddress _client;
    private QueryLogQueue? _log;
    private Thread? _logReader;
    private volatile bool _stopping;

    public enum Case
    {
        Blocked,
        CacheHit,
    }

    [Params(Case.Blocked, Case.CacheHit)]
    public Case Query { get; set; }

    [Params(false, true)]
    public bool QueryLog { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        BenchDataSet data = BenchDataSet.Get("100k");
        var cache = new ResponseCache(new CacheOptions { Prefetch = false });
        if (QueryLog)
        {
            _log = new QueryLogQueue(blocksOnly: false, anonymize: true);
            _logReader = new Thread(ReadLog) { IsBackground = true, Name = "query log reader" };
            _logReader.Start();
        }

        var images = new ImageHolder(data.Image);
        _pipeline = PipelineBuilder.Build(AccessControlList.PrivateNetworks, new PolicyStage(images, new PolicyOptions()),
            new CacheStage(cache), upstream: null, responseStages: [], queryLog: _log);
        _context = new QueryContext();
        _client = ClientAddress.From(IPAddress.Loopback);

        string[] names = Query == Case.Blocked ? data.Listed : data.PopularUnlisted;
        _queries = new byte[Count][];
        for (int i = 0; i < Count; i++)
        {
            _queries[i] = WireMessages.Query((ushort)i, names[(int)((long)i * names.Length / Count)]);
            if (Query == Case.CacheHit)
            {
                Load(_queries[i]);
                _context.Response.AsSpan().Clear();
                byte[] answer = WireMessages.Answer(_queries[i], _context.Query.QuestionEnd);
                answer.CopyTo(_context.Response, 0);
                _context.ResponseLength = answer.Length;
                _context.Origin = ResponseOrigin.Upstream;
                if (cache.TryInsert(_context) != CacheInsertOutcome.Inserted)
                {
                    throw new InvalidOperationException("the cache refused a benchmark answer");
                }
            }
        }

        // Every query must take the path it is meant to measure.
        foreach (byte[] query in _queries)
        {
            Load(query);
            if (!_pipeline.ProcessAsync(_context, CancellationToken.None).IsCompletedSuccessfully
                || _context.Origin != (Query == Case.Blocked ? ResponseOrigin.Blocked : ResponseOrigin.Cache))
            {
                throw new InvalidOperationException($"{Query}: a query was answered by {_context.Origin}");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stopping = true;
        _logReader?.Join();
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public int Answer()
    {
        int bytes = 0;
        foreach (byte[] query in _queries)
        {
            Load(query);
            if (_pipeline.ProcessAsync(_context, CancellationToken.None).Result)
            {
                bytes += _context.ResponseLength;
            }
        }

        return bytes;
    }

    /// <summary>Empties the ring as the service's writer does, minus the file.</summary>
    private void ReadLog()
    {
        while (!_stopping)
        {
            int read = 0;
            while (_log!.TryRead(out QueryLogEntry _))
            {
                read++;
            }

            if (read == 0)
            {
                Thread.Sleep(1);
            }
        }
    }

    private void Load(byte[] query)
    {
        _context.Reset();
        query.CopyTo(_context.Request, 0);
        _context.RequestLength = query.Length;
        _context.Client = _client;
        _context.Transport = Transport.Udp;
        _context.MaxResponseSize = 1232;
        QueryParser.Parse(query, out QueryInfo info);
        _context.Query = info;
    }
}

/// <summary>Queries and answers as a stub resolver and an upstream send them, for the wire and pipeline benchmarks.</summary>
internal static class WireMessages
{
    /// <summary>A query for <paramref name="name"/>, type A, RD set, with an OPT record advertising 1232 bytes.</summary>
    public static byte[] Query(ushort id, string name)
    {
        var bytes = new List<byte>(64);
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], DnsHeader.RdFlag);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], 1); // QDCOUNT
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], 1); // ARCOUNT: the OPT record
        bytes.AddRange(header.ToArray());
        foreach (string label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }

        bytes.AddRange([0, 0, 1, 0, 1]); // root, type A, class IN
        bytes.AddRange(Opt);
        return [.. bytes];
    }

    /// <summary>An upstream's answer to <paramref name="query"/>: one A record, TTL 300, and an OPT.</summary>
    public static byte[] Answer(byte[] query, int questionEnd)
    {
        var bytes = new List<byte>(query.AsSpan(0, questionEnd).ToArray());
        Span<byte> header = bytes.ToArray().AsSpan(0, 12);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(DnsHeader.QrFlag | DnsHeader.RdFlag | DnsHeader.RaFlag));
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], 1); // ANCOUNT
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], 1); // ARCOUNT
        for (int i = 0; i < 12; i++)
        {
            bytes[i] = header[i];
        }

        bytes.AddRange([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 4, 192, 0, 2, 1]); // A 192.0.2.1, TTL 300
        bytes.AddRange(Opt);
        return [.. bytes];
    }

    // OPT: root owner, 1232 bytes, version 0, no options.
    private static readonly byte[] Opt = [0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0];
}
