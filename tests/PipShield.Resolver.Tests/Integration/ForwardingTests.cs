using DnsClient;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Tests.Listeners;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;
using ReturnCode = ARSoft.Tools.Net.Dns.ReturnCode;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>Names that go upstream: caching, failures, serve-stale and truncation, over real sockets.</summary>
public sealed class ForwardingTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CachedAnswers_AreServedWithoutUpstream_WithTheirTtlLowered()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("cached.example.org. 60 IN A 192.0.2.7"));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);
        LookupClient client = resolver.CreateClient();

        IDnsQueryResponse first = await client.QueryAsync("cached.example.org", QueryType.A, cancellationToken: Token);
        await Task.Delay(2100, Token);
        IDnsQueryResponse second = await client.QueryAsync("cached.example.org", QueryType.A, cancellationToken: Token);

        Assert.Equal(60, Assert.Single(first.Answers.ARecords()).InitialTimeToLive);
        var cached = Assert.Single(second.Answers.ARecords());
        Assert.Equal("192.0.2.7", cached.Address.ToString());
        Assert.InRange(cached.InitialTimeToLive, 55, 58);
        Assert.Equal(1, upstream.QueryCount);
    }

    [Fact]
    public async Task NegativeAnswers_AreCached()
    {
        var upstream = new NegativeUpstream();
        await using var resolver = await TestResolver.StartAsync(null, upstreamClient: upstream);
        LookupClient client = resolver.CreateClient();

        IDnsQueryResponse first = await client.QueryAsync("nothing.example.org", QueryType.A, cancellationToken: Token);
        IDnsQueryResponse second = await client.QueryAsync("NOTHING.example.org", QueryType.A, cancellationToken: Token);

        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, first.Header.ResponseCode);
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, second.Header.ResponseCode);
        Assert.Single(second.Authorities.SoaRecords());
        Assert.Equal(1, upstream.QueryCount);
    }

    [Fact]
    public async Task DeadUpstream_AnswersServFail_WithEde22()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithNoReply());
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);

        DnsMessage reply = RawDns.Decode(await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build("example.org", DnsType.A, edns: true)));

        Assert.Equal(ReturnCode.ServerFailure, reply.ReturnCode);
        Assert.Equal((ushort)EdeCode.NoReachableAuthority, Replies.Ede(reply)?.Code);
        Assert.True(upstream.QueryCount >= 1);
    }

    [Fact]
    public async Task DeadUpstream_AfterAnAnswerWasCached_AnswersStale()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("stale.example.org. 1 IN A 192.0.2.8"));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);
        DnsMessage fresh = RawDns.Decode(await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build("stale.example.org", DnsType.A, edns: true)));
        Assert.Equal(["192.0.2.8"], Replies.Addresses(fresh));

        await Task.Delay(1600, Token); // past the 1-second TTL
        upstream.Reconfigure(b => b.WithNoReply());
        DnsMessage stale = RawDns.Decode(await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build("stale.example.org", DnsType.A, edns: true)));

        Assert.Equal(ReturnCode.NoError, stale.ReturnCode);
        Assert.Equal(["192.0.2.8"], Replies.Addresses(stale));
        Assert.Equal((ushort)EdeCode.StaleAnswer, Replies.Ede(stale)?.Code);
        Assert.Equal(30, stale.AnswerRecords[0].TimeToLive); // CacheOptions.StaleAnswerTtl
    }

    [Fact]
    public async Task BigAnswers_AreTruncatedOverUdp_AndCompleteOverTcp()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => BigAnswer(b, "big.example.org", 300));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);

        DnsMessage udp = RawDns.Decode(await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build("big.example.org", DnsType.A, edns: true, payload: 4096)));
        IDnsQueryResponse retried = await resolver.CreateClient().QueryAsync("big.example.org", QueryType.A, cancellationToken: Token);

        Assert.True(udp.IsTruncated);
        Assert.Empty(udp.AnswerRecords);
        Assert.Equal(300, retried.Answers.ARecords().Count());
        Assert.True(resolver.Server.Counters.Truncated >= 2);
        Assert.True(resolver.Server.Counters.TcpConnectionsAccepted >= 1);
    }

    /// <summary>Adds <paramref name="count"/> A records for <paramref name="name"/> in 192.0.2.0/24 and 203.0.113.0/24.</summary>
    internal static FakeUpstreamBuilder BigAnswer(FakeUpstreamBuilder builder, string name, int count)
    {
        for (int i = 0; i < count; i++)
        {
            builder.WithAnswer($"{name}. 300 IN A {(i < 250 ? "192.0.2" : "203.0.113")}.{i % 250 + 1}");
        }

        return builder;
    }
}
