using System.Diagnostics;
using System.Net.Sockets;
using DnsClient;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Tests.Listeners;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>The UDP response rate limit on real sockets, with loopback not exempt so the test client is limited.</summary>
public sealed class RateLimitTests
{
    private const int Burst = 20;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A resolver whose rate limit applies to loopback: one response a second after a burst of 20, slip 2.</summary>
    private static Task<TestResolver> StartWith(FakeUpstream upstream) => TestResolver.StartAsync(upstream.EndPoint, configure: o =>
    {
        o.RateLimit.ResponsesPerSecond = 1;
        o.RateLimit.Burst = Burst;
        o.RateLimit.Exempt.Clear();
    });

    [Fact]
    public async Task AUdpFlood_GetsItsBurst_ThenEverySecondResponseTruncated_AndCounted()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        await using var resolver = await StartWith(upstream);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Connect(resolver.EndPoint);

        var stopwatch = Stopwatch.StartNew();
        const int Sent = 200;
        for (ushort id = 1; id <= Sent; id++)
        {
            await client.SendAsync(TestQueries.Build("phish.example.net", DnsType.A, id: id), SocketFlags.None, Token);
        }

        int answered = 0, truncated = 0;
        for (int i = 0; i < Sent && await RawDns.TryReceiveAsync(client, TimeSpan.FromSeconds(1)) is { } reply; i++)
        {
            if ((DnsHeader.Flags(reply) & DnsHeader.TcFlag) != 0)
            {
                truncated++;
            }
            else
            {
                answered++;
            }
        }

        // The burst, plus one a second for however long the sending took (the rate is 1 per second).
        int refilled = (int)Math.Ceiling(stopwatch.Elapsed.TotalSeconds) + 1;
        Assert.InRange(answered, Burst, Burst + refilled);
        int limited = Sent - answered;
        Assert.InRange(truncated, limited / 2 - 1, limited / 2 + 1);
        Assert.Equal((truncated, limited - truncated), (resolver.Engine.RateLimitCounters.Truncated, resolver.Engine.RateLimitCounters.Dropped));
    }

    [Fact]
    public async Task ALimitedClient_StillGetsItsAnswers_OverTcp_AndByFollowingTc()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        await using var resolver = await StartWith(upstream);
        for (ushort id = 1; id <= Burst * 2; id++)
        {
            await RawDns.TryQueryUdpAsync(resolver.EndPoint, TestQueries.Build("example.org", DnsType.A, id: id), TimeSpan.FromMilliseconds(50));
        }

        Assert.True(resolver.Engine.RateLimitCounters.Limited > 0);

        // TCP is never limited.
        LookupClient tcp = resolver.CreateClient(tcpOnly: true);
        for (int i = 0; i < 50; i++)
        {
            IDnsQueryResponse response = await tcp.QueryAsync("example.org", QueryType.A, cancellationToken: Token);
            Assert.Equal("192.0.2.1", Assert.Single(response.Answers.ARecords()).Address.ToString());
        }

        // A stub that retries a lost UDP query and follows TC=1 to TCP gets through: at most one in two limited
        // responses is dropped.
        var stub = new LookupClient(new LookupClientOptions(new NameServer(resolver.EndPoint))
        {
            UseCache = false,
            Retries = 3,
            Timeout = TimeSpan.FromMilliseconds(500),
            UseTcpFallback = true,
            ThrowDnsErrors = false,
        });
        for (int i = 0; i < 5; i++)
        {
            IDnsQueryResponse response = await stub.QueryAsync("example.org", QueryType.A, cancellationToken: Token);
            Assert.False(response.HasError, response.ErrorMessage);
            Assert.Equal("192.0.2.1", Assert.Single(response.Answers.ARecords()).Address.ToString());
        }

        Assert.True(resolver.Engine.RateLimitCounters.Truncated > 0);
    }
}
