using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.Cache;
using PipShield.Resolver.Wire;
using static PipShield.Resolver.Tests.Stages.Cache.CacheTestMessages;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;

namespace PipShield.Resolver.Tests.Stages.Cache;

/// <summary>RFC 8767: expired answers serve when upstreams fail.</summary>
public sealed class ServeStaleTests
{
    [Fact]
    public void ExpiredEntry_IsServedStale_WithTheStaleTtlAndEde3()
    {
        var clock = NewClock();
        ResponseCache cache = NewCache(clock);
        byte[] query = Query("example.org", edns: true);
        Insert(cache, query, Answer(query, ttl: 300, count: 2));
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Null(Hit(cache, query));

        QueryContext context = Context(Query("Example.org", id: 99, edns: true));
        IStaleAnswers stale = cache;
        Assert.True(stale.TryWriteStale(context));

        DnsMessage response = Decode(context);
        Assert.Equal(ResponseOrigin.Stale, context.Origin);
        Assert.Equal(99, response.TransactionID);
        Assert.All(response.AnswerRecords, r => Assert.Equal(30, r.TimeToLive));
        var ede = Assert.Single(response.EDnsOptions!.Options.OfType<UnknownOption>(), o => (ushort)o.Type == EdnsOptions.ExtendedError);
        Assert.Equal([0, 3], ede.Data);
        Assert.Equal(1, cache.Metrics.StaleServed);
    }

    [Fact]
    public void StaleAnswer_ForAClientWithoutEdns_HasNoOpt()
    {
        var clock = NewClock();
        ResponseCache cache = NewCache(clock, o => o.StaleAnswerTtl = TimeSpan.FromSeconds(10));
        byte[] query = Query("example.org");
        Insert(cache, query, Answer(query, ttl: 60));
        clock.Advance(TimeSpan.FromMinutes(5));

        QueryContext context = Context(query);
        Assert.True(cache.TryWriteStale(context));
        DnsMessage response = Decode(context);
        Assert.False(response.IsEDnsEnabled);
        Assert.Equal(10, response.AnswerRecords[0].TimeToLive);
    }

    [Fact]
    public void FreshEntry_IsServedAsACacheHit()
    {
        var clock = NewClock();
        ResponseCache cache = NewCache(clock);
        byte[] query = Query("example.org");
        Insert(cache, query, Answer(query, ttl: 300));
        clock.Advance(TimeSpan.FromSeconds(50));

        QueryContext context = Context(query);
        Assert.True(cache.TryWriteStale(context));
        Assert.Equal(ResponseOrigin.Cache, context.Origin);
        Assert.Equal(250, Decode(context).AnswerRecords[0].TimeToLive);
    }

    [Fact]
    public void Entry_PastMaxStaleAge_IsNotServed()
    {
        var clock = NewClock();
        ResponseCache cache = NewCache(clock, o => o.MaxStaleAge = TimeSpan.FromHours(1));
        byte[] query = Query("example.org");
        Insert(cache, query, Answer(query, ttl: 300));

        clock.Advance(TimeSpan.FromSeconds(300 + 3599));
        Assert.True(cache.TryWriteStale(Context(query)));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(cache.TryWriteStale(Context(query)));
    }

    [Fact]
    public void ServeStaleOff_ServesNothingExpired()
    {
        var clock = NewClock();
        ResponseCache cache = NewCache(clock, o => o.ServeStale = false);
        byte[] query = Query("example.org");
        Insert(cache, query, Answer(query, ttl: 300));
        clock.Advance(TimeSpan.FromSeconds(301));

        Assert.False(cache.TryWriteStale(Context(query)));
        Assert.False(cache.TryWriteStale(Context(Query("example.net"))));
    }
}
