using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.Upstream;
using PipShield.Resolver.Tests.Stages.Cache;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;
using static PipShield.Resolver.Tests.Stages.Upstream.UpstreamTestKit;

namespace PipShield.Resolver.Tests.Stages.Upstream;

/// <summary>Identical cache misses in flight share one upstream query (the upstream is gated, so they overlap for sure).</summary>
public sealed class UpstreamCoalescingTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Process_IdenticalQueriesInFlight_ShareOneUpstreamQuery_EachAnsweredWithItsOwnIdAndCase()
    {
        var upstream = new GatedUpstream();
        var stage = new UpstreamStage(upstream);
        string[] spellings = ["example.org", "EXAMPLE.org", "eXaMpLe.OrG", "example.ORG"];
        QueryContext[] queries = [.. Enumerable.Range(0, 40).Select(i =>
            Context(TestQueries.Build(spellings[i % spellings.Length], DnsType.A, id: (ushort)(1000 + i), edns: i % 2 == 0)))];

        // Each call runs synchronously up to the upstream wait, so all forty have joined before the gate opens.
        ValueTask<StageResult>[] pending = [.. queries.Select(q => stage.ProcessAsync(q, Token))];
        Assert.Equal(1, stage.Inflight.Count);
        upstream.Open();
        StageResult[] results = await Task.WhenAll(pending.Select(p => p.AsTask()));

        Assert.Equal(1, upstream.Calls);
        Assert.Equal(0, stage.Inflight.Count);
        for (int i = 0; i < queries.Length; i++)
        {
            QueryContext query = queries[i];
            Assert.Equal(StageResult.Respond, results[i]);
            Assert.Equal(ResponseOrigin.Upstream, query.Origin);
            var message = Decode(query.ResponseSpan);
            Assert.Equal(1000 + i, message.TransactionID);
            Assert.Equal(query.Query.QName(query.RequestSpan).ToArray(), query.ResponseSpan.Slice(DnsHeader.Size, query.Query.QNameLength).ToArray());
            Assert.Single(message.AnswerRecords);
            Assert.Equal(i % 2 == 0, message.IsEDnsEnabled); // each client's own EDNS, whatever the leader's was
        }
    }

    [Fact]
    public async Task Process_DoesNotShare_BetweenQueriesThatGetDifferentAnswers()
    {
        var upstream = new GatedUpstream();
        var stage = new UpstreamStage(upstream);
        byte[][] requests =
        [
            TestQueries.Build("example.org", DnsType.A, edns: true),
            TestQueries.Build("example.org", DnsType.A, edns: true, dnssecOk: true),
            TestQueries.Build("example.org", DnsType.A, flags: DnsHeader.RdFlag | DnsHeader.CdFlag),
            TestQueries.Build("example.org", DnsType.AAAA),
            TestQueries.Build("www.example.org", DnsType.A),
        ];

        ValueTask<StageResult>[] pending = [.. requests.Select(r => stage.ProcessAsync(Context(r), Token))];
        Assert.Equal(requests.Length, stage.Inflight.Count);
        upstream.Open();
        await Task.WhenAll(pending.Select(p => p.AsTask()));

        Assert.Equal(requests.Length, upstream.Calls);
    }

    [Fact]
    public async Task Process_EveryWaiterGetsServFail_WhenTheSharedQueryFails()
    {
        var upstream = new GatedUpstream { Status = UpstreamStatus.Timeout };
        int staleAsked = 0;
        var stage = new UpstreamStage(upstream, _ =>
        {
            Interlocked.Increment(ref staleAsked);
            return false;
        });
        QueryContext[] queries = [.. Enumerable.Range(0, 5).Select(i => Context(TestQueries.Build("example.org", DnsType.A, id: (ushort)i, edns: true)))];

        ValueTask<StageResult>[] pending = [.. queries.Select(q => stage.ProcessAsync(q, Token))];
        upstream.Open();
        await Task.WhenAll(pending.Select(p => p.AsTask()));

        Assert.Equal(1, upstream.Calls);
        Assert.Equal(5, staleAsked);
        Assert.All(queries, q => Assert.Equal((ushort)EdeCode.NoReachableAuthority, ExtendedError(q.ResponseSpan)));
        Assert.All(queries, q => Assert.Equal(Rcode.ServFail, DnsHeader.Rcode(q.ResponseSpan)));
    }

    [Fact]
    public async Task Process_WaiterAsksForItself_WhenTheLeadersCallerCancels()
    {
        var upstream = new GatedUpstream();
        var stage = new UpstreamStage(upstream);
        using var leaderCancellation = CancellationTokenSource.CreateLinkedTokenSource(Token);
        QueryContext leader = Context(TestQueries.Build("example.org", DnsType.A, id: 1));
        QueryContext waiter = Context(TestQueries.Build("example.org", DnsType.A, id: 2));

        Task<StageResult> leading = stage.ProcessAsync(leader, leaderCancellation.Token).AsTask();
        Task<StageResult> waiting = stage.ProcessAsync(waiter, Token).AsTask();
        await leaderCancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leading);
        upstream.Open();

        Assert.Equal(StageResult.Respond, await waiting);
        Assert.Equal(2, upstream.Calls);
        Assert.Equal(2, Decode(waiter.ResponseSpan).TransactionID);
        Assert.Single(Decode(waiter.ResponseSpan).AnswerRecords);
    }

    [Fact]
    public void Join_ReturnsNull_WhenTheTableIsFull_AndTheSlotFreesOnCompletion()
    {
        var table = new InflightQueries(maxFlights: 2);
        QueryContext[] queries = [.. new[] { "a.example.org", "b.example.org", "c.example.org" }.Select(n => Context(TestQueries.Build(n, DnsType.A)))];

        InflightQuery? a = table.Join(queries[0].RequestSpan, queries[0].Query, out bool leadsA);
        InflightQuery? b = table.Join(queries[1].RequestSpan, queries[1].Query, out _);
        InflightQuery? c = table.Join(queries[2].RequestSpan, queries[2].Query, out bool leadsC);

        Assert.True(leadsA);
        Assert.NotNull(b);
        Assert.Null(c); // goes upstream on its own
        Assert.False(leadsC);
        table.Complete(a!, new UpstreamResult(UpstreamStatus.Timeout, 0), default, leaderCancelled: false);
        Assert.NotNull(table.Join(queries[2].RequestSpan, queries[2].Query, out leadsC));
        Assert.True(leadsC);
    }

    /// <summary>Holds every query until <see cref="Open"/>, then answers it with one A record (or fails with <see cref="Status"/>).</summary>
    private sealed class GatedUpstream : IUpstreamClient
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public UpstreamStatus Status { get; init; } = UpstreamStatus.Ok;

        public int Calls => Volatile.Read(ref _calls);

        public void Open() => _gate.TrySetResult();

        public async ValueTask<UpstreamResult> QueryAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            await _gate.Task.WaitAsync(cancellationToken);
            if (Status != UpstreamStatus.Ok)
            {
                return new UpstreamResult(Status, 0);
            }

            byte[] answer = CacheTestMessages.Answer(query.ToArray(), ttl: 60);
            answer.CopyTo(response);
            return new UpstreamResult(UpstreamStatus.Ok, answer.Length);
        }
    }
}
