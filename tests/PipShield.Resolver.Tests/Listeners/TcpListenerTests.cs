using System.Diagnostics;
using System.Net.Sockets;
using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;

namespace PipShield.Resolver.Tests.Listeners;

public sealed class TcpListenerTests
{
    [Fact]
    public async Task Tcp_AnswersEveryPipelinedQuery_SentInOneWrite()
    {
        await using var fixture = ListenerFixture.Start();
        using Socket client = await RawDns.ConnectTcpAsync(fixture.EndPoint);

        byte[][] queries = [.. Enumerable.Range(1, 10).Select(i => TestQueries.Build(i % 2 == 0 ? "phish.example.net" : $"host{i}.example.org", DnsType.A, id: (ushort)(100 + i)))];
        await client.SendAsync(RawDns.Frame(queries), SocketFlags.None);

        var ids = new List<int>();
        for (int i = 0; i < queries.Length; i++)
        {
            byte[] reply = await RawDns.ReadFrameAsync(client) ?? throw new TimeoutException("reply missing");
            ids.Add(RawDns.Id(reply));
        }

        Assert.Equal(Enumerable.Range(101, 10), ids.Order());
        Assert.Equal(10, fixture.Server.Counters.Responses);
    }

    [Fact]
    public async Task Tcp_AnswersPipelinedQueries_AsTheyComplete()
    {
        await using var fixture = ListenerFixture.Start();
        using Socket client = await RawDns.ConnectTcpAsync(fixture.EndPoint);

        await client.SendAsync(RawDns.Frame(
            TestQueries.Build("slow-400.example.org", DnsType.A, id: 1),
            TestQueries.Build("example.org", DnsType.A, id: 2)), SocketFlags.None);

        byte[] first = await RawDns.ReadFrameAsync(client) ?? throw new TimeoutException();
        byte[] second = await RawDns.ReadFrameAsync(client) ?? throw new TimeoutException();
        Assert.Equal((2, 1), (RawDns.Id(first), RawDns.Id(second)));
    }

    [Fact]
    public async Task Tcp_SendsTheWholeAnswer_WhateverItsSize()
    {
        await using var fixture = ListenerFixture.Start();
        using Socket client = await RawDns.ConnectTcpAsync(fixture.EndPoint);

        await client.SendAsync(RawDns.Frame(TestQueries.Build("big-1000.example.org", DnsType.A, edns: true)), SocketFlags.None);

        DnsMessage reply = RawDns.Decode(await RawDns.ReadFrameAsync(client) ?? throw new TimeoutException());
        Assert.False(reply.IsTruncated);
        Assert.Equal(1000, reply.AnswerRecords.Count);
    }

    [Fact]
    public async Task Tcp_AnswersQueriesSent_BeforeTheClientClosedItsSide()
    {
        await using var fixture = ListenerFixture.Start();
        using Socket client = await RawDns.ConnectTcpAsync(fixture.EndPoint);

        await client.SendAsync(RawDns.Frame(TestQueries.Build("slow-200.example.org", DnsType.A, id: 5)), SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);

        byte[] reply = await RawDns.ReadFrameAsync(client) ?? throw new TimeoutException();
        Assert.Equal(5, RawDns.Id(reply));
        Assert.True(await RawDns.IsClosedByServerAsync(client, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Tcp_ClosesIdleConnections_AfterTheIdleTimeout()
    {
        await using var fixture = ListenerFixture.Start(o => o.TcpIdleTimeout = TimeSpan.FromMilliseconds(300));
        using Socket client = await RawDns.ConnectTcpAsync(fixture.EndPoint);
        await client.SendAsync(RawDns.Frame(TestQueries.Build("example.org", DnsType.A)), SocketFlags.None);
        Assert.NotNull(await RawDns.ReadFrameAsync(client));

        var stopwatch = Stopwatch.StartNew();
        Assert.True(await RawDns.IsClosedByServerAsync(client, TimeSpan.FromSeconds(3)));
        Assert.InRange(stopwatch.ElapsedMilliseconds, 200, 2000);
        await UdpListenerTests.WaitUntilAsync(() => fixture.Server.Counters.TcpConnectionsOpen == 0);
        Assert.Equal(1, fixture.Server.Counters.TcpConnectionsTimedOut);
    }

    [Fact]
    public async Task Tcp_ClosesAClientThatDripsPartialMessages_AfterTheIdleTimeout()
    {
        await using var fixture = ListenerFixture.Start(o => o.TcpIdleTimeout = TimeSpan.FromMilliseconds(300));
        using Socket client = await RawDns.ConnectTcpAsync(fixture.EndPoint);
        byte[] framed = RawDns.Frame(TestQueries.Build("example.org", DnsType.A));

        bool closed = false;
        for (int i = 0; i < framed.Length - 1 && !closed; i++)
        {
            try
            {
                await client.SendAsync(framed.AsMemory(i, 1), SocketFlags.None, TestContext.Current.CancellationToken);
            }
            catch (SocketException)
            {
                closed = true;
            }

            closed |= client.Poll(100_000, SelectMode.SelectRead); // readable with no reply pending means EOF or reset
        }

        Assert.True(closed, "a client sending a byte every 100 ms kept its connection");
    }

    [Fact]
    public async Task Tcp_ClosesAClientThatStopsReading_AndReleasesItsQueries()
    {
        await using var fixture = ListenerFixture.Start(o => o.TcpIdleTimeout = TimeSpan.FromMilliseconds(300));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(fixture.EndPoint, TestContext.Current.CancellationToken);

        byte[] flood = RawDns.Frame([.. Enumerable.Repeat(TestQueries.Build("big-3000.example.org", DnsType.A), 100)]);
        _ = client.SendAsync(flood, SocketFlags.None);

        await UdpListenerTests.WaitUntilAsync(() => fixture.Server.Counters.TcpConnectionsTimedOut == 1);
        await UdpListenerTests.WaitUntilAsync(() => fixture.Server.Counters.TcpConnectionsOpen == 0 && fixture.Server.Counters.QueriesInFlight == 0);
    }

    [Fact]
    public async Task Tcp_AtThePerClientCap_ClosesThatClientsOldestIdleConnection_AndServesTheNewOne()
    {
        await using var fixture = ListenerFixture.Start(o => o.MaxTcpConnectionsPerClient = 2);
        using Socket first = await RawDns.ConnectTcpAsync(fixture.EndPoint);
        await UdpListenerTests.WaitUntilAsync(() => fixture.Server.Counters.TcpConnectionsOpen == 1);
        using Socket second = await RawDns.ConnectTcpAsync(fixture.EndPoint);
        await second.SendAsync(RawDns.Frame(TestQueries.Build("example.org", DnsType.A, id: 2)), SocketFlags.None);
        Assert.Equal(2, RawDns.Id(await RawDns.ReadFrameAsync(second) ?? throw new TimeoutException()));

        using Socket third = await RawDns.ConnectTcpAsync(fixture.EndPoint);

        Assert.True(await RawDns.IsClosedByServerAsync(first, TimeSpan.FromSeconds(2)));
        await third.SendAsync(RawDns.Frame(TestQueries.Build("example.org", DnsType.A, id: 3)), SocketFlags.None);
        Assert.Equal(3, RawDns.Id(await RawDns.ReadFrameAsync(third) ?? throw new TimeoutException()));
        await second.SendAsync(RawDns.Frame(TestQueries.Build("example.org", DnsType.A, id: 4)), SocketFlags.None);
        Assert.Equal(4, RawDns.Id(await RawDns.ReadFrameAsync(second) ?? throw new TimeoutException()));
        Assert.Equal((1, 0), (fixture.Server.Counters.TcpConnectionsEvicted, fixture.Server.Counters.TcpConnectionsRejected));
    }

    [Fact]
    public async Task Tcp_AtTheCap_RefusesANewConnection_WhenEveryOpenOneHasAQueryInFlight()
    {
        await using var fixture = ListenerFixture.Start(o => o.MaxTcpConnectionsPerClient = 2);
        using Socket first = await RawDns.ConnectTcpAsync(fixture.EndPoint);
        using Socket second = await RawDns.ConnectTcpAsync(fixture.EndPoint);
        await first.SendAsync(RawDns.Frame(TestQueries.Build("hold.example.org", DnsType.A, id: 1)), SocketFlags.None);
        await second.SendAsync(RawDns.Frame(TestQueries.Build("hold.example.org", DnsType.A, id: 2)), SocketFlags.None);
        await UdpListenerTests.WaitUntilAsync(() => fixture.Stage.AsyncCount == 2);

        using Socket third = await RawDns.ConnectTcpAsync(fixture.EndPoint);

        Assert.True(await RawDns.IsClosedByServerAsync(third, TimeSpan.FromSeconds(2)));
        Assert.Equal((0, 1), (fixture.Server.Counters.TcpConnectionsEvicted, fixture.Server.Counters.TcpConnectionsRejected));
        fixture.Stage.Release();
        Assert.Equal(1, RawDns.Id(await RawDns.ReadFrameAsync(first) ?? throw new TimeoutException()));
        Assert.Equal(2, RawDns.Id(await RawDns.ReadFrameAsync(second) ?? throw new TimeoutException()));
    }

    [Fact]
    public async Task Tcp_ClientsThatStallOrNeverRead_DoNotHoldUpOthers()
    {
        await using var fixture = ListenerFixture.Start();

        // One client sends half a message and waits; another floods big queries and never reads a reply.
        using Socket silent = await RawDns.ConnectTcpAsync(fixture.EndPoint);
        await silent.SendAsync(RawDns.Frame(TestQueries.Build("example.org", DnsType.A))[..7], SocketFlags.None);
        using Socket flooder = await RawDns.ConnectTcpAsync(fixture.EndPoint);
        byte[] big = RawDns.Frame([.. Enumerable.Repeat(TestQueries.Build("big-2000.example.org", DnsType.A), 200)]);
        _ = flooder.SendAsync(big, SocketFlags.None);
        await Task.Delay(200, TestContext.Current.CancellationToken);

        using Socket polite = await RawDns.ConnectTcpAsync(fixture.EndPoint);
        var stopwatch = Stopwatch.StartNew();
        await polite.SendAsync(RawDns.Frame(TestQueries.Build("example.org", DnsType.A, id: 3)), SocketFlags.None);
        byte[] reply = await RawDns.ReadFrameAsync(polite) ?? throw new TimeoutException();

        Assert.Equal(3, RawDns.Id(reply));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"answer took {stopwatch.Elapsed}");
        byte[] udp = await RawDns.QueryUdpAsync(fixture.EndPoint, TestQueries.Build("example.org", DnsType.A, id: 4));
        Assert.Equal(4, RawDns.Id(udp));
    }

    [Fact]
    public async Task Tcp_RunsAtMost16QueriesOfOneConnectionAtOnce_AndAnswersThemAll()
    {
        await using var fixture = ListenerFixture.Start();
        using Socket client = await RawDns.ConnectTcpAsync(fixture.EndPoint);

        await client.SendAsync(RawDns.Frame([.. Enumerable.Range(1, 20).Select(i => TestQueries.Build("hold.example.org", DnsType.A, id: (ushort)i))]), SocketFlags.None);
        await UdpListenerTests.WaitUntilAsync(() => fixture.Stage.AsyncCount == 16);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(16, fixture.Stage.AsyncCount);

        var ids = new HashSet<ushort>();
        for (int round = 0; round < 10 && ids.Count < 20; round++)
        {
            fixture.Stage.Release();
            while (ids.Count < 20 && await RawDns.ReadFrameAsync(client, TimeSpan.FromMilliseconds(300)) is { } reply)
            {
                ids.Add(RawDns.Id(reply));
            }
        }

        Assert.Equal(20, ids.Count);
    }

    [Fact]
    public async Task Tcp_AtTheTotalCap_ClosesTheOldestIdleConnection_FromAnyClient()
    {
        await using var fixture = ListenerFixture.Start(o => (o.MaxTcpConnections, o.MaxTcpConnectionsPerClient) = (2, 1));
        using Socket first = await ConnectFromAsync("127.0.0.1", fixture);
        await UdpListenerTests.WaitUntilAsync(() => fixture.Server.Counters.TcpConnectionsOpen == 1);
        using Socket second = await ConnectFromAsync("127.0.0.2", fixture);
        await UdpListenerTests.WaitUntilAsync(() => fixture.Server.Counters.TcpConnectionsOpen == 2);

        using Socket third = await ConnectFromAsync("127.0.0.3", fixture);

        Assert.True(await RawDns.IsClosedByServerAsync(first, TimeSpan.FromSeconds(2)));
        await third.SendAsync(RawDns.Frame(TestQueries.Build("example.org", DnsType.A, id: 4)), SocketFlags.None);
        Assert.Equal(4, RawDns.Id(await RawDns.ReadFrameAsync(third) ?? throw new TimeoutException()));
        await second.SendAsync(RawDns.Frame(TestQueries.Build("example.org", DnsType.A, id: 5)), SocketFlags.None);
        Assert.Equal(5, RawDns.Id(await RawDns.ReadFrameAsync(second) ?? throw new TimeoutException()));
        Assert.Equal((1, 0), (fixture.Server.Counters.TcpConnectionsEvicted, fixture.Server.Counters.TcpConnectionsRejected));
    }

    [Fact]
    public async Task Tcp_AnswersOverIPv6()
    {
        Assert.SkipUnless(Socket.OSSupportsIPv6, "IPv6 is not available on this machine");
        await using var fixture = ListenerFixture.Start(null, "[::1]:0");
        using Socket client = await RawDns.ConnectTcpAsync(fixture.EndPoint);

        await client.SendAsync(RawDns.Frame(TestQueries.Build("phish.example.net", DnsType.AAAA, id: 66)), SocketFlags.None);

        DnsMessage reply = RawDns.Decode(await RawDns.ReadFrameAsync(client) ?? throw new TimeoutException());
        Assert.Equal(66, reply.TransactionID);
        Assert.Equal("::", Assert.IsType<AaaaRecord>(Assert.Single(reply.AnswerRecords)).Address.ToString());
    }

    internal static async Task<Socket> ConnectFromAsync(string source, ListenerFixture fixture)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(source), 0));
        }
        catch (SocketException)
        {
            socket.Dispose();
            Assert.Skip($"cannot bind {source}: this system routes only 127.0.0.1 to loopback");
        }

        await socket.ConnectAsync(fixture.EndPoint);
        return socket;
    }

    [Fact]
    public async Task UdpAndTcp_ShareThePortPickedForPortZero()
    {
        await using var fixture = ListenerFixture.Start(null, "127.0.0.1:0", "127.0.0.1:0");

        foreach (var endPoint in fixture.Server.EndPoints)
        {
            Assert.NotEqual(0, endPoint.Port);
            using Socket tcp = await RawDns.ConnectTcpAsync(endPoint);
            await tcp.SendAsync(RawDns.Frame(TestQueries.Build("example.org", DnsType.A, id: 8)), SocketFlags.None);
            Assert.Equal(8, RawDns.Id(await RawDns.ReadFrameAsync(tcp) ?? throw new TimeoutException()));
            Assert.Equal(8, RawDns.Id(await RawDns.QueryUdpAsync(endPoint, TestQueries.Build("example.org", DnsType.A, id: 8))));
        }

        Assert.NotEqual(fixture.Server.EndPoints[0].Port, fixture.Server.EndPoints[1].Port);
    }
}
