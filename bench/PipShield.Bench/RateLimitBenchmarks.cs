using System.Net;
using BenchmarkDotNet.Attributes;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.Admission;
using PipShield.Resolver.Stages.RateLimit;
using PipShield.Resolver.Wire;

namespace PipShield.Bench;

/// <summary>
/// The UDP rate limit's cost per query: one probe of the prefix table under a striped lock, for 1024 clients in
/// 1024 different /24s (every one allowed: the limit is set out of reach). Baseline: the admission stage's access
/// list check on the same queries, the cheapest stage beside it. Must allocate nothing ("Allocated" column <c>-</c>).
/// </summary>
[Config(typeof(LookupConfig))]
public class RateLimitBenchmarks
{
    private const int Count = 1024;
    private readonly ClientAddress[] _clients = new ClientAddress[Count];
    private RateLimitStage _rateLimit = null!;
    private AdmissionStage _admission = null!;
    private QueryContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        _rateLimit = new RateLimitStage(new RateLimitOptions { ResponsesPerSecond = 1_000_000, Burst = 10_000_000 });
        _admission = new AdmissionStage(AccessControlList.PrivateNetworks);
        _context = new QueryContext { Transport = Transport.Udp };
        byte[] query = WireMessages.Query(1, "www.example.org");
        query.CopyTo(_context.Request, 0);
        _context.RequestLength = query.Length;
        QueryParser.Parse(query, out QueryInfo info);
        _context.Query = info;
        for (int i = 0; i < Count; i++)
        {
            _clients[i] = ClientAddress.From(new IPAddress([10, (byte)(i >> 8), (byte)i, 7]));
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Count)]
    public int Admission() => Run(_admission);

    [Benchmark(OperationsPerInvoke = Count)]
    public int RateLimit() => Run(_rateLimit);

    private int Run(IQueryStage stage)
    {
        int allowed = 0;
        foreach (ClientAddress client in _clients)
        {
            _context.Client = client;
            if (stage.ProcessAsync(_context, CancellationToken.None).Result == StageResult.Continue)
            {
                allowed++;
            }
        }

        return allowed;
    }
}
