using ARSoft.Tools.Net.Dns;
using BenchmarkDotNet.Attributes;
using DnsClient;
using PipShield.Bench.Data;
using PipShield.Resolver.Wire;

namespace PipShield.Bench;

/// <summary>
/// Reading an incoming query (header, question, EDNS OPT): PipShield's span parser against the two DNS
/// libraries the project uses, in the same run. The queries are what a stub resolver sends: a popular
/// name, type A, RD set, an OPT record advertising 1232 bytes.
/// </summary>
/// <remarks>
/// ARSoft.Tools.Net's <see cref="DnsMessage.Parse"/> is what its DnsServer runs for every query; DnsClient's
/// <see cref="DnsDatagramReader"/> is the lower-level reader of its response parser, here reading the
/// header and question only (less than PipShield's parser does: no OPT). Each call parses 1,024 queries;
/// the figures are per query.
/// </remarks>
[Config(typeof(LookupConfig))]
public class WireBenchmarks
{
    private const int Count = 1024;
    private byte[][] _queries = null!;

    [GlobalSetup]
    public void Setup()
    {
        string[] names = ListGenerator.GeneratePopular(Count, _ => false, ListGenerator.DefaultSeed + 11);
        _queries = new byte[names.Length][];
        for (int i = 0; i < names.Length; i++)
        {
            _queries[i] = WireMessages.Query((ushort)i, names[i]);
        }
    }

    /// <summary>PipShield: <see cref="QueryParser.Parse"/> in place, no allocation.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Count)]
    public int PipShieldQueryParser()
    {
        int sum = 0;
        foreach (byte[] query in _queries)
        {
            if (QueryParser.Parse(query, out QueryInfo info) == QueryParseStatus.Ok)
            {
                sum += info.QType + info.QNameLength + info.UdpPayloadSize;
            }
        }

        return sum;
    }

    /// <summary>ARSoft.Tools.Net: the full message parse its server runs per query.</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public int ArsoftDnsMessageParse()
    {
        int sum = 0;
        foreach (byte[] query in _queries)
        {
            DnsMessage message = DnsMessage.Parse(new ArraySegment<byte>(query));
            sum += (int)message.Questions[0].RecordType + message.Questions[0].Name.LabelCount + message.EDnsOptions!.UdpPayloadSize;
        }

        return sum;
    }

    /// <summary>DnsClient: header fields and the question through its datagram reader.</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public int DnsClientDatagramReader()
    {
        int sum = 0;
        foreach (byte[] query in _queries)
        {
            var reader = new DnsDatagramReader(new ArraySegment<byte>(query));
            for (int i = 0; i < 6; i++)
            {
                sum += reader.ReadUInt16NetworkOrder();
            }

            DnsString name = reader.ReadQuestionQueryString();
            sum += reader.ReadUInt16NetworkOrder() + reader.ReadUInt16NetworkOrder() + name.Value.Length;
        }

        return sum;
    }
}
