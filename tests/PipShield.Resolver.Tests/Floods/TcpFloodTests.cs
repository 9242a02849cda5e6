using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PipShield.Resolver.Server;
using PipShield.Resolver.Tests.Listeners;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Floods;

/// <summary>
/// Thousands of TCP connections that never finish a query, against a server with the shipped
/// <see cref="ResolverServerOptions"/> defaults (only the listening address changed).
/// </summary>
[Collection(FloodCollection.Name)]
public sealed class TcpFloodTests
{
    private const int FloodConnections = 2_000;
    private const int Batch = 100;
    private static readonly TimeSpan FloodTimeLimit = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(1)]     // one address: the per-client cap, 32, is the one reached
    [InlineData(100)]   // 20 connections from each of 100 addresses: the total cap, 1000, is the one reached
    public async Task IdleAndHalfSentConnections_DoNotLockOutNewClients_AndCloseWithinSeconds(int sourceAddresses)
    {
        int count = SocketBudget.Clamp(FloodConnections);
        Assert.SkipWhen(count < 500, $"the open-file limit leaves room for {count} sockets only");
        await using var fixture = ListenerFixture.Start();
        var defaults = new ResolverServerOptions();
        var flood = new List<Socket>(count);
        byte[] halfQuery = RawDns.Frame(TestQueries.Build("example.org", DnsType.A))[..9];
        try
        {
            var stopwatch = Stopwatch.StartNew();
            ushort id = 1;
            for (int opened = 0; opened < count && stopwatch.Elapsed < FloodTimeLimit; opened += Batch)
            {
                Task<Socket?>[] batch = [.. Enumerable.Range(opened, Math.Min(Batch, count - opened))
                    .Select(i => OpenAsync(fixture.EndPoint, Source(i, sourceAddresses), halfSent: i % 2 == 1 ? halfQuery : null))];
                foreach (Socket? socket in await Task.WhenAll(batch))
                {
                    if (socket is not null)
                    {
                        flood.Add(socket);
                    }
                }

                if ((opened / Batch) % 5 == 4)
                {
                    await AssertServedAsync(fixture, id++); // mid-flood too, not only once it settles
                }
            }

            Assert.True(flood.Count >= count * 9 / 10, $"only {flood.Count} of {count} flood connections were made");
            await AssertServedAsync(fixture, id++);

            // The gauge counts sockets until they are closed, so a connection just evicted to make room may still
            // count for a moment; within a second (well inside the 5 s idle timeout) it is at the cap or under.
            await UdpListenerTests.WaitUntilAsync(() => fixture.Server.Counters.TcpConnectionsOpen <= defaults.MaxTcpConnections, timeoutMilliseconds: 1000);
            Assert.True(fixture.Server.Counters.TcpConnectionsEvicted > 0, "no idle connection made room for a new one");

            // Idle and half-sent connections are closed by the idle timeout (5 s by default); the bound only keeps a
            // broken build from hanging.
            await UdpListenerTests.WaitUntilAsync(() => fixture.Server.Counters.TcpConnectionsOpen == 0, timeoutMilliseconds: 30_000);
            Assert.True(await RawDns.IsClosedByServerAsync(flood[^1], TimeSpan.FromSeconds(5)));
            await AssertServedAsync(fixture, id);
            Assert.Equal(0, fixture.Server.Counters.Errors);
        }
        finally
        {
            foreach (Socket socket in flood)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>A UDP query and a query on a new TCP connection from 127.0.0.1 (an address the flood uses) are both answered.</summary>
    private static async Task AssertServedAsync(ListenerFixture fixture, ushort id)
    {
        byte[] udp = await RawDns.QueryUdpAsync(fixture.EndPoint, TestQueries.Build("example.org", DnsType.A, id: id));
        Assert.Equal(id, RawDns.Id(udp));

        using Socket tcp = await RawDns.ConnectTcpAsync(fixture.EndPoint);
        await tcp.SendAsync(RawDns.Frame(TestQueries.Build("example.org", DnsType.A, id: id)), SocketFlags.None);
        byte[] reply = await RawDns.ReadFrameAsync(tcp) ?? throw new TimeoutException($"no TCP answer to query {id} during the flood");
        Assert.Equal(id, RawDns.Id(reply));
    }

    private static IPAddress Source(int index, int sourceAddresses) =>
        sourceAddresses == 1 ? IPAddress.Loopback : new IPAddress([127, 0, 1, (byte)(1 + index % sourceAddresses)]);

    /// <summary>Connects from <paramref name="source"/> and sends <paramref name="halfSent"/>, if any; null when the server closed it first.</summary>
    private static async Task<Socket?> OpenAsync(IPEndPoint server, IPAddress source, byte[]? halfSent)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (!source.Equals(IPAddress.Loopback))
            {
                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(server);
            if (halfSent is not null)
            {
                await socket.SendAsync(halfSent, SocketFlags.None);
            }

            return socket;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            socket.Dispose();
            Assert.Skip($"cannot bind {source}: this system routes only 127.0.0.1 to loopback");
            return null;
        }
        catch (SocketException)
        {
            socket.Dispose(); // evicted before the partial message went out: the server did its job
            return null;
        }
    }
}
