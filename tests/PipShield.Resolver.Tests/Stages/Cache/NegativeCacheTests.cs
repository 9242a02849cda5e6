using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Stages.Cache;
using PipShield.Resolver.Wire;
using static PipShield.Resolver.Tests.Stages.Cache.CacheTestMessages;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;

namespace PipShield.Resolver.Tests.Stages.Cache;

/// <summary>RFC 2308: NXDOMAIN and NODATA are kept for min(SOA TTL, SOA MINIMUM).</summary>
public sealed class NegativeCacheTests
{
    [Fact]
    public void NxDomain_IsCachedForTheSoaMinimum_WhenSmallerThanTheSoaTtl()
    {
        var clock = NewClock();
        ResponseCache cache = NewCache(clock);
        byte[] query = Query("missing.example.org");
        Assert.Equal(CacheInsertOutcome.Inserted, Insert(cache, query, Negative(query, Rcode.NxDomain, soaTtl: 3600, minimum: 60)));

        DnsMessage response = Hit(cache, query)!;
        Assert.Equal(ReturnCode.NxDomain, response.ReturnCode);
        SoaRecord soa = Assert.IsType<SoaRecord>(Assert.Single(response.AuthorityRecords));
        Assert.Equal(60, soa.TimeToLive);
        Assert.Equal(60, soa.NegativeCachingTTL);

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(1, Hit(cache, query)!.AuthorityRecords[0].TimeToLive);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(Hit(cache, query));
    }

    [Fact]
    public void NoData_IsCachedForTheSoaTtl_WhenSmallerThanTheMinimum()
    {
        var clock = NewClock();
        ResponseCache cache = NewCache(clock);
        byte[] query = Query("example.org", DnsType.AAAA);
        Insert(cache, query, Negative(query, Rcode.NoError, soaTtl: 30, minimum: 900));

        DnsMessage response = Hit(cache, query)!;
        Assert.Equal(ReturnCode.NoError, response.ReturnCode);
        Assert.Empty(response.AnswerRecords);
        Assert.Equal(30, response.AuthorityRecords[0].TimeToLive);
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(Hit(cache, query));
    }

    [Fact]
    public void NegativeAnswers_WithoutSoa_AreNotCached()
    {
        ResponseCache cache = NewCache(NewClock());
        byte[] query = Query("missing.example.org");

        Assert.Equal(CacheInsertOutcome.NotCacheable, Insert(cache, query, Negative(query, Rcode.NxDomain, 300, 300, withSoa: false)));
        Assert.Equal(CacheInsertOutcome.NotCacheable, Insert(cache, query, Negative(query, Rcode.NoError, 300, 300, withSoa: false)));
        Assert.Null(Hit(cache, query));
    }

    [Fact]
    public void NegativeTtl_IsClampedToMaxNegativeTtl()
    {
        ResponseCache cache = NewCache(NewClock(), o => o.MaxNegativeTtl = TimeSpan.FromMinutes(5));
        byte[] query = Query("missing.example.org");
        Insert(cache, query, Negative(query, Rcode.NxDomain, soaTtl: 86400, minimum: 86400));

        Assert.Equal(300, Hit(cache, query)!.AuthorityRecords[0].TimeToLive);
    }
}
