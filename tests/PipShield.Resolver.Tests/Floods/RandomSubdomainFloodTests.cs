using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Server;
using PipShield.Resolver.Stages.Cache;
using PipShield.Resolver.Tests.Integration;
using PipShield.Resolver.Tests.Listeners;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Floods;

/// <summary>
/// A random-subdomain ("water torture") flood: unique names under one zone, each a cache miss, against an upstream
/// that takes a second to answer, while a well-behaved client keeps asking for a cached and a blocked name.
/// </summary>
[Collection(FloodCollection.Name)]
public sealed class RandomSubdomainFloodTests
{
    private const int FloodPerSecond = 3_000;          // several times what a LAN office asks in all
    private const int MaxFloodQueries = 15_000;
    private static readonly TimeSpan FloodDuration = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan UpstreamDelay = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task RandomSubdomainFlood_LeavesCachedAndBlockedAnswers_AndKeepsUpstreamWaitsCacheAndMemoryBounded()
    {
        var upstream = new DelayedUpstream(UpstreamDelay);
        await using var resolver = await TestResolver.StartAsync(null, upstreamClient: upstream, configure: o =>
        {
            // The smallest cache allowed, so the flood overruns it many times over.
            o.Cache.MaxEntries = 1_000;
            o.Cache.MaxBytes = 1024 * 1024;
        });
        ResolverEngine engine = resolver.Engine;
        var serverDefaults = new ResolverServerOptions();

        // The legitimate client's name is cached and read a few times, as a name in daily use is.
        for (ushort id = 1; id <= 3; id++)
        {
            Assert.True(IsGoodAnswer(await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build("www.example.org", DnsType.A, id: id)), id));
        }

        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        using var flooding = new CancellationTokenSource(FloodDuration);
        Task<int> flood = FloodAsync(resolver.EndPoint, flooding.Token);
        (int asked, int answered) = await AskWhileAsync(resolver.EndPoint, flood);
        int flooded = await flood;

        // The flood outran the upstream: the cap on waiting queries was reached and held.
        Assert.True(engine.UpstreamOverloaded > 0, $"{flooded} flood queries never reached the upstream cap");
        Assert.Equal(serverDefaults.MaxQueriesInFlight * 3 / 4, engine.MaxUpstreamQueriesInFlight);
        Assert.InRange(upstream.MostWaiting, 1, engine.MaxUpstreamQueriesInFlight);

        // The legitimate client was answered throughout, and the listeners never ran out of query contexts.
        Assert.True(asked >= 50, $"only {asked} legitimate queries were made during the flood");
        Assert.True(answered >= asked * 99 / 100, $"{answered} of {asked} legitimate queries were answered during the flood");
        Assert.Equal(0, resolver.Server.Counters.Overloaded);

        // The cache stayed within its bounds.
        Assert.InRange(resolver.Cache.Count, 1, 1_000);
        Assert.InRange(resolver.Cache.SizeBytes, 1, 1024 * 1024);

        // Once the flood stops, every waiting query drains, and the heap is back under its ceiling: the query
        // contexts the pool may keep (two 64 KiB buffers each), the cache's byte budget, and some slack.
        await UdpListenerTests.WaitUntilAsync(
            () => engine.UpstreamQueriesInFlight == 0 && resolver.Server.Counters.QueriesInFlight == 0, timeoutMilliseconds: 15_000);
        long heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        long ceiling = (long)serverDefaults.MaxQueriesInFlight * 2 * QueryContext.MaxMessageSize + 1024 * 1024 + 32L * 1024 * 1024;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"flood {flooded} queries, upstream {upstream.QueryCount} (most waiting {upstream.MostWaiting}), overloaded {engine.UpstreamOverloaded}; " +
            $"legitimate {answered}/{asked}; cache {resolver.Cache.Count} entries, {resolver.Cache.SizeBytes} bytes; " +
            $"heap {heapBefore / 1024} KiB before, {heapAfter / 1024} KiB after (ceiling +{ceiling / 1024} KiB)");
        Assert.True(heapAfter - heapBefore <= ceiling, $"heap grew by {(heapAfter - heapBefore) / 1024} KiB");

        // And it still serves.
        Assert.True(IsGoodAnswer(await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build("www.example.org", DnsType.A, id: 7)), 7));
    }

    /// <summary>Sends unique names under flood.example.net at <see cref="FloodPerSecond"/> until cancelled; never reads a reply.</summary>
    /// <returns>Queries sent.</returns>
    private static async Task<int> FloodAsync(IPEndPoint server, CancellationToken stop)
    {
        await Task.Yield();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server);
        var random = new Random(20);
        var stopwatch = Stopwatch.StartNew();
        int sent = 0;
        while (!stop.IsCancellationRequested && sent < MaxFloodQueries)
        {
            int due = Math.Min(MaxFloodQueries, (int)(stopwatch.Elapsed.TotalSeconds * FloodPerSecond));
            for (; sent < due; sent++)
            {
                string name = $"{random.Next():x8}{sent:x}.flood.example.net";
                socket.Send(TestQueries.Build(name, DnsType.A, id: (ushort)sent));
            }

            try
            {
                await Task.Delay(2, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return sent;
    }

    /// <summary>Asks for a cached and a blocked name in turn, one at a time, until <paramref name="until"/> completes.</summary>
    private static async Task<(int Asked, int Answered)> AskWhileAsync(IPEndPoint server, Task until)
    {
        int asked = 0, answered = 0;
        for (ushort id = 100; !until.IsCompleted && asked < 50_000; id++)
        {
            string name = id % 2 == 0 ? "www.example.org" : "phish.example.net";
            byte[]? reply = await RawDns.TryQueryUdpAsync(server, TestQueries.Build(name, DnsType.A, id: id), TimeSpan.FromSeconds(2));
            asked++;
            answered += reply is not null && IsGoodAnswer(reply, id) ? 1 : 0;
        }

        return (asked, answered);
    }

    /// <summary>NOERROR with one A record: 192.0.2.1 (cached) or 192.0.2.53 (the sinkhole for the blocked name).</summary>
    private static bool IsGoodAnswer(byte[] reply, ushort id)
    {
        var message = RawDns.Decode(reply);
        return message.TransactionID == id && message.ReturnCode == ARSoft.Tools.Net.Dns.ReturnCode.NoError
            && Replies.Addresses(message) is [var address] && address is "192.0.2.1" or "192.0.2.53";
    }
}
