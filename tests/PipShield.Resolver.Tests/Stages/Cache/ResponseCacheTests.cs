using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.Cache;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Wire;
using static PipShield.Resolver.Tests.Stages.Cache.CacheTestMessages;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;

namespace PipShield.Resolver.Tests.Stages.Cache;

public sealed class ResponseCacheTests
{
    [Fact]
    public void Hit_AfterInsert_ReturnsTheAnswer_WithTheClientsIdAndQNameCase()
    {
        ResponseCache cache = NewCache(NewClock());
        byte[] first = Query("www.example.org", id: 1);
        Assert.Equal(CacheInsertOutcome.Inserted, Insert(cache, first, Answer(first, ttl: 300, marker: 7, count: 2)));

        byte[] second = Query("WwW.ExAmPlE.oRg", id: 0x4242);
        DnsMessage response = Assert.IsType<DnsMessage>(Hit(cache, second, out QueryContext context));

        Assert.Equal(ResponseOrigin.Cache, context.Origin);
        Assert.Equal(0x4242, response.TransactionID);
        Assert.Equal(ReturnCode.NoError, response.ReturnCode);
        Assert.Equal(second.AsSpan(12, 17).ToArray(), context.Response.AsSpan(12, 17).ToArray()); // 0x20 case survives
        Assert.Equal(["192.0.2.7", "192.0.3.7"], response.AnswerRecords.Cast<ARecord>().Select(a => a.Address.ToString()));
        Assert.All(response.AnswerRecords, r => Assert.Equal(300, r.TimeToLive));
        Assert.Equal("WwW.ExAmPlE.oRg.", response.AnswerRecords[0].Name.ToString()); // owners compressed to the question follow it
        Assert.Equal(1, cache.Metrics.Hits);
    }

    [Fact]
    public void Lookup_MissesBeforeInsert()
    {
        ResponseCache cache = NewCache(NewClock());

        Assert.Null(Hit(cache, Query("example.org")));
        Assert.Equal(1, cache.Metrics.Misses);
        Assert.Equal(0, cache.Metrics.Hits);
    }

    [Fact]
    public void Ttls_CountDownWithAge_AndTheEntryExpires()
    {
        var clock = NewClock();
        ResponseCache cache = NewCache(clock);
        byte[] query = Query("example.org");
        Insert(cache, query, Answer(query, ttl: 300));

        clock.Advance(TimeSpan.FromSeconds(100));
        Assert.Equal(200, Hit(cache, query)!.AnswerRecords[0].TimeToLive);

        clock.Advance(TimeSpan.FromSeconds(199.5));
        Assert.Equal(1, Hit(cache, query)!.AnswerRecords[0].TimeToLive); // never 0 while fresh

        clock.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Null(Hit(cache, query));
    }

    [Fact]
    public void Key_SeparatesTypeClassDnssecOkAndCheckingDisabled()
    {
        ResponseCache cache = NewCache(NewClock());
        byte[] a = Query("example.org", DnsType.A);
        Insert(cache, a, Answer(a, ttl: 300, marker: 1));

        Assert.NotNull(Hit(cache, Query("EXAMPLE.ORG", DnsType.A)));
        Assert.Null(Hit(cache, Query("example.org", DnsType.AAAA)));
        Assert.Null(Hit(cache, Query("example.org", DnsType.A, qclass: 3)));
        Assert.Null(Hit(cache, Query("example.org", DnsType.A, edns: true, dnssecOk: true)));
        Assert.Null(Hit(cache, Query("example.org", DnsType.A, flags: DnsHeader.RdFlag | DnsHeader.CdFlag)));
        Assert.Null(Hit(cache, Query("example.net", DnsType.A)));

        byte[] signed = Query("example.org", DnsType.A, edns: true, dnssecOk: true);
        Insert(cache, signed, Answer(signed, ttl: 300, marker: 2));
        Assert.Equal("192.0.2.1", ((ARecord)Hit(cache, a)!.AnswerRecords[0]).Address.ToString());
        Assert.Equal("192.0.2.2", ((ARecord)Hit(cache, signed)!.AnswerRecords[0]).Address.ToString());
    }

    [Fact]
    public void Insert_ForTheSameKey_ReplacesTheEntry()
    {
        ResponseCache cache = NewCache(NewClock());
        byte[] query = Query("example.org");
        Insert(cache, query, Answer(query, ttl: 300, marker: 1));
        Insert(cache, query, Answer(query, ttl: 600, marker: 2));

        ARecord answer = (ARecord)Hit(cache, query)!.AnswerRecords[0];
        Assert.Equal("192.0.2.2", answer.Address.ToString());
        Assert.Equal(600, answer.TimeToLive);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Ttls_AreClampedToMinAndMax()
    {
        var clock = NewClock();
        ResponseCache cache = NewCache(clock, o =>
        {
            o.MinTtl = TimeSpan.FromSeconds(60);
            o.MaxTtl = TimeSpan.FromHours(1);
        });
        byte[] shortLived = Query("short.example.org");
        byte[] longLived = Query("long.example.org");
        Insert(cache, shortLived, Answer(shortLived, ttl: 5));
        Insert(cache, longLived, Answer(longLived, ttl: 86400));

        Assert.Equal(60, Hit(cache, shortLived)!.AnswerRecords[0].TimeToLive);
        Assert.Equal(3600, Hit(cache, longLived)!.AnswerRecords[0].TimeToLive);

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(30, Hit(cache, shortLived)!.AnswerRecords[0].TimeToLive); // lives on past the upstream's 5 s
        clock.Advance(TimeSpan.FromSeconds(3570));
        Assert.Null(Hit(cache, longLived));
    }

    [Fact]
    public void Responses_ThatMustNotBeKept_AreNotCached()
    {
        ResponseCache cache = NewCache(NewClock());
        byte[] query = Query("example.org");
        byte[] servFail = new byte[512];
        QueryParser.Parse(query, out QueryInfo info);
        servFail = servFail[..ResponseBuilder.WriteError(query, info, Rcode.ServFail, servFail)];
        byte[] otherName = Query("example.net");

        Assert.Equal(CacheInsertOutcome.NotCacheable, Insert(cache, query, servFail));
        Assert.Equal(CacheInsertOutcome.NotCacheable, Insert(cache, query, Answer(query, ttl: 300, rcode: Rcode.Refused)));
        Assert.Equal(CacheInsertOutcome.NotCacheable, Insert(cache, query, Answer(query, ttl: 300, flags: ResponseFlags | DnsHeader.TcFlag)));
        Assert.Equal(CacheInsertOutcome.NotCacheable, Insert(cache, query, Answer(otherName, ttl: 300)));
        Assert.Equal(CacheInsertOutcome.NotCacheable, Insert(cache, query, Answer(Query("example.org", DnsType.AAAA), ttl: 300)));
        Assert.Equal(CacheInsertOutcome.NotCacheable, Insert(cache, query, Answer(query, ttl: 0)));
        Assert.Equal(CacheInsertOutcome.NotCacheable, Insert(cache, query, Answer(query, ttl: 0x8000_0000))); // RFC 2181 §8
        Assert.Equal(CacheInsertOutcome.NotCacheable, Insert(cache, query, Answer(query, ttl: 300)[..^2])); // cut short
        Assert.Equal(CacheInsertOutcome.NotCacheable, Insert(cache, query, Answer(query, ttl: 300, flags: DnsHeader.RdFlag))); // not a response
        Assert.Equal(0, cache.Count);
        Assert.Null(Hit(cache, query));
    }

    [Fact]
    public void Responses_CarryingRecordsThatDoNotAnswerTheQuestion_AreNotCached()
    {
        // Whatever delivered the reply (the pool scrubs, another upstream client might not), the cache checks it too.
        ResponseCache cache = NewCache(NewClock());
        byte[] query = Query("a.example.org");
        FakeQuery parsed = FakeWire.TryParseQuery(query)!;
        byte[] poisoned = FakeWire.BuildReply(parsed, new FakeUpstreamBuilder()
            .WithAnswer("a.example.org. 300 IN A 192.0.2.1")
            .WithAdditional("bank.example. 86400 IN A 203.0.113.66")
            .Build());
        byte[] clean = FakeWire.BuildReply(parsed, new FakeUpstreamBuilder().WithAnswer("a.example.org. 300 IN A 192.0.2.1").Build());

        Assert.Equal(CacheInsertOutcome.NotCacheable, Insert(cache, query, poisoned));
        Assert.Null(Hit(cache, Query("bank.example")));
        Assert.Equal(CacheInsertOutcome.Inserted, Insert(cache, query, clean));
    }

    [Fact]
    public void Opt_IsNotCached_EachClientGetsItsOwnOrNone()
    {
        ResponseCache cache = NewCache(NewClock());
        byte[] withCookie = Query("example.org", edns: true);
        byte[] cookie = [0, 10, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        Insert(cache, withCookie, Answer(withCookie, ttl: 300, optOptions: cookie));

        DnsMessage plain = Hit(cache, Query("example.org"))!;
        Assert.False(plain.IsEDnsEnabled); // RFC 6891 §7: no OPT for a client that sent none
        Assert.Empty(plain.AdditionalRecords);

        DnsMessage edns = Hit(cache, Query("example.org", edns: true))!;
        Assert.True(edns.IsEDnsEnabled);
        Assert.Empty(edns.EDnsOptions!.Options); // the upstream's cookie stays out
        Assert.Equal(1232, edns.EDnsOptions.UdpPayloadSize);
        Assert.Single(edns.AnswerRecords);
    }

    /// <summary>Found by fuzzing (fuzz/regressions/answer/): the client's OPT went after the upstream's
    /// trailing bytes, where a reader takes those bytes for a record and never reaches the OPT.</summary>
    [Fact]
    public void Hit_ForAnEdnsClient_PutsItsOptRightAfterTheRecords_WhenTheUpstreamSentTrailingBytes()
    {
        ResponseCache cache = NewCache(NewClock());
        byte[] query = Query("example.org");
        byte[] answer = Answer(query, ttl: 300);
        Insert(cache, query, [.. answer, 0, 0, 0]);

        DnsMessage edns = Hit(cache, Query("example.org", edns: true), out QueryContext context)!;

        Assert.Equal(answer.Length + 11, context.ResponseLength); // the records, then an OPT with no options
        Assert.True(edns.IsEDnsEnabled);
        Assert.Single(edns.AnswerRecords);

        Assert.NotNull(Hit(cache, query, out context));
        Assert.Equal(answer.Length, context.ResponseLength); // a plain client gets the records without the trailing bytes too
    }

    [Fact]
    public void Hit_EchoesTheClientsRecursionDesiredBit_AndDropsAdForPlainClients()
    {
        ResponseCache cache = NewCache(NewClock());
        byte[] query = Query("example.org");
        Insert(cache, query, Answer(query, ttl: 300, flags: ResponseFlags | DnsHeader.AdFlag));

        DnsMessage noRecursion = Hit(cache, Query("example.org", flags: 0))!;
        DnsMessage withAd = Hit(cache, Query("example.org", flags: DnsHeader.RdFlag | DnsHeader.AdFlag))!;

        Assert.False(noRecursion.IsRecursionDesired);
        Assert.False(noRecursion.IsAuthenticData);
        Assert.True(withAd.IsRecursionDesired);
        Assert.True(withAd.IsAuthenticData);
    }

    [Fact]
    public void Insert_RejectsAResponseLargerThanAQuarterOfAShard()
    {
        ResponseCache cache = NewCache(NewClock(), o => o.MaxBytes = 2000);
        byte[] query = Query("example.org", DnsType.AAAA);

        Assert.Equal(CacheInsertOutcome.TooLarge, Insert(cache, query, Answer(query, ttl: 300, count: 40)));
        Assert.Equal(CacheInsertOutcome.Inserted, Insert(cache, query, Answer(query, ttl: 300, count: 1)));
    }

    [Fact]
    public void Hit_AllocatesNothing()
    {
        ResponseCache cache = NewCache(NewClock(), o => o.Prefetch = false);
        byte[] query = Query("www.example.org", edns: true);
        Insert(cache, query, Answer(query, ttl: 300, count: 3));
        QueryContext context = Context(query);
        Assert.True(cache.TryWriteHit(context));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            cache.TryWriteHit(context);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
