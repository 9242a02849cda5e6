using System.Diagnostics;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Tests.Listeners;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;
using ReturnCode = ARSoft.Tools.Net.Dns.ReturnCode;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>How a faulty upstream fails, in <see cref="UpstreamOutageTests"/>.</summary>
public enum Outage
{
    Silent,
    FormErr,
    Refused,

    /// <summary>UDP replies are truncated, and the TCP connection is reset after the query.</summary>
    TruncatedThenTcpReset,

    /// <summary>UDP replies are truncated, and TCP connections are refused.</summary>
    TruncatedThenTcpRefused,
}

/// <summary>Faulty upstreams end to end: failover, stale answers or SERVFAIL within the deadline, and recovery.</summary>
public sealed class UpstreamOutageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan RecoveryInterval = TimeSpan.FromSeconds(1);

    /// <summary>Generous room on top of the deadline for a busy test machine: a reply later than this is a hang.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(Outage.Silent)]
    [InlineData(Outage.FormErr)]
    [InlineData(Outage.Refused)]
    [InlineData(Outage.TruncatedThenTcpReset)]
    [InlineData(Outage.TruncatedThenTcpRefused)]
    public async Task FailingFirstUpstream_IsSkippedForTheNext_AndUsedAgainWithinOneRecoveryInterval(Outage outage)
    {
        await using var first = await FakeUpstream.StartAsync(b => Names(b, "192.0.2.1"));
        await using var second = await FakeUpstream.StartAsync(b => Names(b, "192.0.2.2"));
        await using var resolver = await TestResolver.StartAsync(first.EndPoint, configure: o => Configure(o, first, second));
        Fail(first, outage);

        var watch = Stopwatch.StartNew();
        DnsMessage failedOver = await QueryAsync(resolver, "n1.example.org");
        TimeSpan elapsed = watch.Elapsed;

        Assert.Equal(["192.0.2.2"], Replies.Addresses(failedOver));
        Assert.True(elapsed < Deadline + Slack, $"took {elapsed}");
        Assert.Equal(1, first.UdpQueryCount); // tried first, then marked down
        Assert.True(resolver.Pool!.Servers[0].IsDown);

        // The outage ends. Until the recovery interval has passed the first upstream is left alone; then the
        // next query probes it and it is in use again.
        first.Reconfigure(b => Names(b, "192.0.2.1"));
        DnsMessage whileDown = await QueryAsync(resolver, "n2.example.org");
        Assert.Equal(["192.0.2.2"], Replies.Addresses(whileDown));
        Assert.Equal(1, first.UdpQueryCount);

        await Task.Delay(RecoveryInterval + TimeSpan.FromMilliseconds(300), Token);
        DnsMessage recovered = await QueryAsync(resolver, "n3.example.org");

        Assert.Equal(["192.0.2.1"], Replies.Addresses(recovered));
        Assert.False(resolver.Pool.Servers[0].IsDown);
    }

    [Theory]
    [InlineData(Outage.Silent)]
    [InlineData(Outage.FormErr)]
    [InlineData(Outage.Refused)]
    [InlineData(Outage.TruncatedThenTcpReset)]
    [InlineData(Outage.TruncatedThenTcpRefused)]
    public async Task EveryUpstreamFailing_AnswersStaleOrServFail_WithinTheDeadline_ThenRecovers(Outage outage)
    {
        await using var only = await FakeUpstream.StartAsync(b => Names(b, "192.0.2.8", ttl: 1));
        await using var resolver = await TestResolver.StartAsync(only.EndPoint, configure: o => Configure(o, only));
        Assert.Equal(["192.0.2.8"], Replies.Addresses(await QueryAsync(resolver, "n1.example.org")));
        await Task.Delay(TimeSpan.FromMilliseconds(1300), Token); // past the 1-second TTL
        Fail(only, outage);

        var watch = Stopwatch.StartNew();
        DnsMessage stale = await QueryAsync(resolver, "n1.example.org");
        TimeSpan staleElapsed = watch.Elapsed;
        watch.Restart();
        DnsMessage failed = await QueryAsync(resolver, "n2.example.org");
        TimeSpan failedElapsed = watch.Elapsed;

        Assert.Equal(["192.0.2.8"], Replies.Addresses(stale));
        Assert.Equal((ushort)EdeCode.StaleAnswer, Replies.Ede(stale)?.Code);
        Assert.True(staleElapsed < Deadline + Slack, $"stale answer took {staleElapsed}");
        Assert.Equal(ReturnCode.ServerFailure, failed.ReturnCode);
        Assert.True(failedElapsed < Deadline + Slack, $"SERVFAIL took {failedElapsed}");

        only.Reconfigure(b => Names(b, "192.0.2.9"));
        await Task.Delay(RecoveryInterval + TimeSpan.FromMilliseconds(300), Token);
        Assert.Equal(["192.0.2.9"], Replies.Addresses(await QueryAsync(resolver, "n2.example.org")));
    }

    private static void Configure(ResolverEngineOptions options, params FakeUpstream[] upstreams)
    {
        options.Upstream.Servers = [.. upstreams.Select(u => u.EndPoint.ToString())];
        options.Upstream.Timeout = Timeout;
        options.Upstream.Deadline = Deadline;
        options.Upstream.MaxAttempts = 2;
        options.Upstream.FailureThreshold = 1;
        options.Upstream.RecoveryInterval = RecoveryInterval;
    }

    /// <summary>n1 to n4.example.org, all at <paramref name="address"/>.</summary>
    private static FakeUpstreamBuilder Names(FakeUpstreamBuilder builder, string address, int ttl = 60)
    {
        for (int i = 1; i <= 4; i++)
        {
            builder.WithAnswer($"n{i}.example.org. {ttl} IN A {address}");
        }

        return builder;
    }

    private static void Fail(FakeUpstream upstream, Outage outage)
    {
        switch (outage)
        {
            case Outage.Silent:
                upstream.Reconfigure(b => Names(b, "192.0.2.66").WithNoReply());
                break;
            case Outage.FormErr:
                upstream.Reconfigure(b => Names(b, "192.0.2.66").WithRcode(Rcode.FormErr));
                break;
            case Outage.Refused:
                upstream.Reconfigure(b => Names(b, "192.0.2.66").WithRcode(Rcode.Refused));
                break;
            case Outage.TruncatedThenTcpReset:
                upstream.Reconfigure(b => Names(b, "192.0.2.66").WithTruncation().WithTcpFailure(FakeTcpFailure.Reset));
                break;
            case Outage.TruncatedThenTcpRefused:
                upstream.Reconfigure(b => Names(b, "192.0.2.66").WithTruncation());
                upstream.StopTcp();
                break;
        }
    }

    private static async Task<DnsMessage> QueryAsync(TestResolver resolver, string name) =>
        RawDns.Decode(await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build(name, DnsType.A, edns: true)));
}
