using PipShield.Blocklist;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.QueryLog;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Tests.Integration;
using PipShield.Resolver.Tests.Listeners;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.QueryLog;

/// <summary>What a real resolver puts in the query log for each kind of answer, queried over loopback.</summary>
public sealed class QueryLogCaptureTests
{
    [Fact]
    public async Task BlockedQueryName_IsLoggedWithItsListRuleAndAction()
    {
        var log = new QueryLogQueue(blocksOnly: false, anonymize: false);
        await using var resolver = await TestResolver.StartAsync(upstream: null, queryLog: log);

        await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build("x.Malware.example.net", DnsType.AAAA));

        QueryLogEntry entry = await ReadAsync(log);
        Assert.Equal("x.Malware.example.net", QueryLogQueueTests.Text(entry.QName)); // as the client sent it
        Assert.Equal(Verdict.Blocked, entry.Verdict);
        Assert.Equal(ResponseOrigin.Blocked, entry.Origin);
        Assert.Equal("malware-feed", entry.Source?.Name);
        Assert.Equal("malware", entry.Source?.Category);
        Assert.Equal("Malware.example.net", QueryLogQueueTests.Text(entry.Rule));
        Assert.Equal(RuleAction.NxDomain, entry.Action);
        Assert.Equal((short)Rcode.NxDomain, entry.Rcode);
        Assert.Equal((ushort)DnsType.AAAA, entry.QType);
        Assert.Equal(Transport.Udp, entry.Transport);
    }

    [Fact]
    public async Task CnameToAListedName_IsLoggedWithTheTargetAsTheRule()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b
            .WithCname("metrics.example.org", "a.tracker.example.net")
            .WithAnswer("a.tracker.example.net. 60 IN A 192.0.2.20"));
        var log = new QueryLogQueue(blocksOnly: true, anonymize: false);
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint, queryLog: log);

        await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build("metrics.example.org", DnsType.A));

        QueryLogEntry entry = await ReadAsync(log);
        Assert.Equal("metrics.example.org", QueryLogQueueTests.Text(entry.QName));
        Assert.Equal("tracker.example.net", QueryLogQueueTests.Text(entry.Rule));
        Assert.Equal("test-feed", entry.Source?.Name);
        Assert.Equal(RuleAction.Sinkhole, entry.Action);
    }

    [Fact]
    public async Task ListedAnswerAddress_IsLoggedWithTheAddressAndPrefix()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("badip.example.org. 60 IN A 198.51.100.66"));
        var log = new QueryLogQueue(blocksOnly: true, anonymize: false);
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint, queryLog: log);

        await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build("badip.example.org", DnsType.A));

        QueryLogEntry entry = await ReadAsync(log);
        Assert.True(entry.RuleIsIp);
        Assert.Equal(32, entry.RulePrefixLength);
        Assert.Equal(new byte[] { 198, 51, 100, 66 }, entry.Rule.ToArray());
        Assert.Equal("bad-ips", entry.Source?.Name);
    }

    [Fact]
    public async Task ForwardedQuery_IsLoggedWithoutARule()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("www.example.org. 60 IN A 192.0.2.1"));
        var log = new QueryLogQueue(blocksOnly: false, anonymize: false);
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint, queryLog: log);

        await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build("www.example.org", DnsType.A));

        QueryLogEntry entry = await ReadAsync(log);
        Assert.Equal(ResponseOrigin.Upstream, entry.Origin);
        Assert.Equal(Verdict.None, entry.Verdict);
        Assert.True(entry.Rule.IsEmpty);
        Assert.Null(entry.Source);
        Assert.Equal((short)Rcode.NoError, entry.Rcode);
        Assert.True(entry.ElapsedTicks > 0);
    }

    /// <summary>The first entry; the pipeline records a query before its reply leaves, so the wait is only a margin.</summary>
    private static async Task<QueryLogEntry> ReadAsync(QueryLogQueue log)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            if (log.TryRead(out QueryLogEntry entry))
            {
                return entry;
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException("nothing reached the query log within 2 seconds");
    }
}
