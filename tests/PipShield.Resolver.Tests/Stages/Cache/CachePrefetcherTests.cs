using ARSoft.Tools.Net.Dns;
using NSubstitute;
using PipShield.Resolver.Stages.Cache;
using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;
using static PipShield.Resolver.Tests.Stages.Cache.CacheTestMessages;

namespace PipShield.Resolver.Tests.Stages.Cache;

public sealed class CachePrefetcherTests
{
    [Fact]
    public async Task PopularEntry_NearExpiry_IsRefreshedFromUpstreamOnce()
    {
        var clock = NewClock();
        ResponseCache cache = NewCache(clock, o => o.PrefetchMinHits = 3);
        var sent = new List<byte[]>();
        IUpstreamClient upstream = Substitute.For<IUpstreamClient>();
        upstream.QueryAsync(default, default, TestContext.Current.CancellationToken).ReturnsForAnyArgs(call =>
        {
            byte[] query = call.ArgAt<ReadOnlyMemory<byte>>(0).ToArray();
            lock (sent)
            {
                sent.Add(query);
            }

            byte[] answer = Answer(query, ttl: 600, marker: 9);
            answer.CopyTo(call.ArgAt<Memory<byte>>(1).Span);
            return new ValueTask<UpstreamResult>(new UpstreamResult(UpstreamStatus.Ok, answer.Length));
        });
        await using var prefetcher = new CachePrefetcher(cache, upstream);
        prefetcher.Start();

        byte[] query = Query("popular.example.org", edns: true, dnssecOk: true);
        Insert(cache, query, Answer(query, ttl: 100, marker: 1));
        for (int i = 0; i < 5; i++)
        {
            Assert.NotNull(Hit(cache, query)); // popular, but not near expiry yet
        }

        clock.Advance(TimeSpan.FromSeconds(95));
        for (int i = 0; i < 5; i++)
        {
            Assert.NotNull(Hit(cache, query)); // the first of these queues the refresh; the rest find it queued
        }

        await WaitUntil(() => cache.Metrics.Inserts == 2);
        Assert.Equal("192.0.2.9", ((ARecord)Hit(cache, query)!.AnswerRecords[0]).Address.ToString());
        Assert.Equal(600, Hit(cache, query)!.AnswerRecords[0].TimeToLive);
        await upstream.ReceivedWithAnyArgs(1).QueryAsync(default, default, TestContext.Current.CancellationToken);
        Assert.Equal(1, cache.Metrics.Prefetches);

        // The refresh asks the same question, with DO as keyed and recursion desired.
        Assert.Equal(QueryParseStatus.Ok, QueryParser.Parse(sent[0], out QueryInfo info));
        Assert.Equal((ushort)DnsType.A, info.QType);
        Assert.True(info.DnssecOk && info.RecursionDesired && !info.CheckingDisabled);
        Assert.Equal("popular.example.org", ARSoft.Tools.Net.Dns.DnsMessage.Parse(new ArraySegment<byte>(sent[0])).Questions[0].Name.ToString().TrimEnd('.'));
    }

    [Fact]
    public async Task UnpopularEntry_IsNotPrefetched()
    {
        var clock = NewClock();
        ResponseCache cache = NewCache(clock, o => o.PrefetchMinHits = 10);
        IUpstreamClient upstream = Substitute.For<IUpstreamClient>();
        await using var prefetcher = new CachePrefetcher(cache, upstream);
        prefetcher.Start();

        byte[] query = Query("rare.example.org");
        Insert(cache, query, Answer(query, ttl: 100));
        clock.Advance(TimeSpan.FromSeconds(95));
        Assert.NotNull(Hit(cache, query));
        Assert.NotNull(Hit(cache, query));

        await prefetcher.StopAsync();
        await upstream.DidNotReceiveWithAnyArgs().QueryAsync(default, default, TestContext.Current.CancellationToken);
        Assert.Equal(0, cache.Metrics.Prefetches);
    }

    [Fact]
    public async Task FailedRefresh_KeepsTheOldEntry_AndIsNotRetriedOnEveryHit()
    {
        var clock = NewClock();
        ResponseCache cache = NewCache(clock, o => o.PrefetchMinHits = 1);
        IUpstreamClient upstream = Substitute.For<IUpstreamClient>();
        upstream.QueryAsync(default, default, TestContext.Current.CancellationToken).ReturnsForAnyArgs(new ValueTask<UpstreamResult>(new UpstreamResult(UpstreamStatus.Timeout, 0)));
        await using var prefetcher = new CachePrefetcher(cache, upstream);
        prefetcher.Start();

        byte[] query = Query("flaky.example.org");
        Insert(cache, query, Answer(query, ttl: 100));
        clock.Advance(TimeSpan.FromSeconds(95));
        Assert.NotNull(Hit(cache, query));
        await WaitUntil(() => cache.Metrics.PrefetchFailures == 1);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(5, Hit(cache, query)!.AnswerRecords[0].TimeToLive);
        }

        await prefetcher.StopAsync();
        await upstream.ReceivedWithAnyArgs(1).QueryAsync(default, default, TestContext.Current.CancellationToken);
    }

    [Fact]
    public void WithoutAPrefetcher_HitsQueueNothing()
    {
        var clock = NewClock();
        ResponseCache cache = NewCache(clock, o => o.PrefetchMinHits = 1);
        byte[] query = Query("example.org");
        Insert(cache, query, Answer(query, ttl: 100));
        clock.Advance(TimeSpan.FromSeconds(95));
        Hit(cache, query);

        Assert.False(cache.PrefetchRequests!.TryPeek(out _));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.True(condition(), "timed out");
    }
}
