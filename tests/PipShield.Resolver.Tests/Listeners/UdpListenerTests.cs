using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Server;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;

namespace PipShield.Resolver.Tests.Listeners;

public sealed class UdpListenerTests
{
    [Fact]
    public async Task Udp_AnswersBlockedName_OnTheReceivingThread()
    {
        await using var fixture = ListenerFixture.Start();

        DnsMessage reply = RawDns.Decode(await RawDns.QueryUdpAsync(fixture.EndPoint, TestQueries.Build("phish.example.net", DnsType.A, id: 41)));

        Assert.Equal(41, reply.TransactionID);
        Assert.Equal("0.0.0.0", Assert.IsType<ARecord>(Assert.Single(reply.AnswerRecords)).Address.ToString());
        Assert.Equal(0, fixture.Stage.AsyncCount);
        ResolverCounters counters = fixture.Server.Counters;
        Assert.Equal((1, 1, 0), (counters.Queries, counters.Responses, counters.Errors));
    }

    [Fact]
    public async Task Udp_AnswersOverIPv6()
    {
        if (!Socket.OSSupportsIPv6)
        {
            Assert.Skip("IPv6 is not available on this machine");
        }

        await using var fixture = ListenerFixture.Start(null, "[::1]:0", "127.0.0.1:0");

        DnsMessage v6 = RawDns.Decode(await RawDns.QueryUdpAsync(fixture.Server.EndPoints[0], TestQueries.Build("example.org", DnsType.A, id: 6)));
        DnsMessage v4 = RawDns.Decode(await RawDns.QueryUdpAsync(fixture.Server.EndPoints[1], TestQueries.Build("example.org", DnsType.A, id: 4)));

        Assert.Equal(AddressFamily.InterNetworkV6, fixture.Server.EndPoints[0].AddressFamily);
        Assert.Equal((6, "192.0.2.1"), (v6.TransactionID, ((ARecord)v6.AnswerRecords[0]).Address.ToString()));
        Assert.Equal((4, "192.0.2.1"), (v4.TransactionID, ((ARecord)v4.AnswerRecords[0]).Address.ToString()));
    }

    [Fact]
    public async Task Udp_AnswersQueriesThatWaitOnIo_FromTheirContinuations()
    {
        await using var fixture = ListenerFixture.Start();

        Task<byte[]>[] queries = [.. Enumerable.Range(1, 20).Select(i =>
            RawDns.QueryUdpAsync(fixture.EndPoint, TestQueries.Build($"slow-{20 + i * 5}.example.org", DnsType.A, id: (ushort)i)))];
        byte[][] replies = await Task.WhenAll(queries);

        Assert.Equal(Enumerable.Range(1, 20), replies.Select(r => (int)RawDns.Id(r)).Order());
        Assert.All(replies, r => Assert.Equal("192.0.2.1", ((ARecord)RawDns.Decode(r).AnswerRecords[0]).Address.ToString()));
        Assert.Equal(20, fixture.Stage.AsyncCount);
        Assert.Equal(0, fixture.Server.Counters.QueriesInFlight);
    }

    [Fact]
    public async Task Udp_TruncatesToHeaderAndQuestion_WhenOver512WithoutEdns()
    {
        await using var fixture = ListenerFixture.Start();

        byte[] raw = await RawDns.QueryUdpAsync(fixture.EndPoint, TestQueries.Build("big-40.example.org", DnsType.A, id: 9));
        DnsMessage reply = RawDns.Decode(raw);

        Assert.True(reply.IsTruncated);
        Assert.Empty(reply.AnswerRecords);
        Assert.Equal("big-40.example.org.", Assert.Single(reply.Questions).Name.ToString());
        Assert.True(raw.Length <= 512);
        Assert.Equal(1, fixture.Server.Counters.Truncated);
    }

    [Fact]
    public async Task Udp_TruncatesAtTheServerCap_AndKeepsTheOpt_WhenTheClientAdvertisesMore()
    {
        await using var fixture = ListenerFixture.Start();

        byte[] fits = await RawDns.QueryUdpAsync(fixture.EndPoint, TestQueries.Build("big-60.example.org", DnsType.A, edns: true, payload: 4096));
        byte[] cut = await RawDns.QueryUdpAsync(fixture.EndPoint, TestQueries.Build("big-100.example.org", DnsType.A, edns: true, payload: 4096));

        Assert.Equal(60, RawDns.Decode(fits).AnswerRecords.Count);
        DnsMessage reply = RawDns.Decode(cut);
        Assert.True(reply.IsTruncated);
        Assert.Empty(reply.AnswerRecords);
        Assert.NotNull(reply.EDnsOptions);
        Assert.True(cut.Length <= 1232);
    }

    [Fact]
    public async Task Udp_AnswersServFail_WhenTooManyQueriesWaitOnIo_AndRecovers()
    {
        await using var fixture = ListenerFixture.Start(o => o.MaxQueriesInFlight = 16);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Connect(fixture.EndPoint);

        for (ushort id = 1; id <= 15; id++)
        {
            await client.SendAsync(TestQueries.Build("hold.example.org", DnsType.A, id: id), SocketFlags.None);
        }

        await WaitUntilAsync(() => fixture.Stage.AsyncCount == 15);
        DnsMessage overloaded = RawDns.Decode(await RawDns.QueryUdpAsync(fixture.EndPoint, TestQueries.Build("example.org", DnsType.A, id: 99)));
        Assert.Equal((99, ReturnCode.ServerFailure), (overloaded.TransactionID, overloaded.ReturnCode));
        Assert.Equal(1, fixture.Server.Counters.Overloaded);

        fixture.Stage.Release();
        var held = new HashSet<ushort>();
        for (int i = 0; i < 15; i++)
        {
            byte[] reply = await RawDns.TryReceiveAsync(client, RawDns.DefaultTimeout) ?? throw new TimeoutException("held query not answered");
            held.Add(RawDns.Id(reply));
        }

        Assert.Equal(15, held.Count);
        await WaitUntilAsync(() => fixture.Server.Counters.QueriesInFlight == 0);
        DnsMessage after = RawDns.Decode(await RawDns.QueryUdpAsync(fixture.EndPoint, TestQueries.Build("example.org", DnsType.A)));
        Assert.Equal(ReturnCode.NoError, after.ReturnCode);
    }

    [Fact]
    public async Task Udp_KeepsServing_AfterMalformedPackets()
    {
        await using var fixture = ListenerFixture.Start();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Connect(fixture.EndPoint);
        var random = new Random(1234);
        byte[] valid = TestQueries.Build("example.org", DnsType.A);

        var packets = new List<byte[]>();
        for (int length = 0; length < 12; length++)
        {
            packets.Add(valid[..length]); // shorter than a header
        }

        for (int i = 0; i < 200; i++)
        {
            var junk = new byte[random.Next(12, 600)];
            random.NextBytes(junk);
            packets.Add(junk);
        }

        byte[] response = (byte[])valid.Clone();
        response[2] |= 0x80; // QR=1: must never be answered (reflection loops)
        packets.Add(response);
        packets.Add(TestQueries.WithCounts(valid, qd: 1, an: 3, ns: 0, ar: 9));
        foreach (byte[] packet in packets)
        {
            await client.SendAsync(packet, SocketFlags.None);
        }

        DnsMessage reply = RawDns.Decode(await RawDns.QueryUdpAsync(fixture.EndPoint, TestQueries.Build("example.org", DnsType.A, id: 777)));
        Assert.Equal((777, ReturnCode.NoError), (reply.TransactionID, reply.ReturnCode));
        await WaitUntilAsync(() => fixture.Server.Counters.Queries == packets.Count + 1);
        Assert.Equal(0, fixture.Server.Counters.Errors);
    }

    [Fact]
    public async Task Udp_DropAction_SendsNothing()
    {
        await using var fixture = ListenerFixture.Start();

        byte[]? reply = await RawDns.TryQueryUdpAsync(fixture.EndPoint, TestQueries.Build("drop.example.org", DnsType.A), TimeSpan.FromMilliseconds(300));

        Assert.Null(reply);
        Assert.Equal(1, fixture.Server.Counters.Drops);
    }

    [Fact]
    public async Task Dispose_UnblocksTheReceiveThreads_AndFreesThePort()
    {
        var fixture = ListenerFixture.Start(o => o.UdpReceiveThreads = 3);
        IPEndPoint endPoint = fixture.EndPoint;
        await RawDns.QueryUdpAsync(endPoint, TestQueries.Build("example.org", DnsType.A));

        var stopwatch = Stopwatch.StartNew();
        await fixture.DisposeAsync();

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"stopping took {stopwatch.Elapsed}");
        using var rebound = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        rebound.Bind(endPoint);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, int timeoutMilliseconds = 5000)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(stopwatch.ElapsedMilliseconds < timeoutMilliseconds, "condition not met in time");
            await Task.Delay(10);
        }
    }
}
