using System.Diagnostics;
using System.Net.Sockets;
using DnsClient;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Tests.Listeners;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>The server under realistic use: pipelined TCP, list swaps under load, hostile packets.</summary>
public sealed class ServingTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PipelinedTcpQueries_AreEachAnsweredUnderTheirId()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b
            .WithAnswer("example.org. 60 IN A 192.0.2.1")
            .WithAnswer("www.example.org. 60 IN A 192.0.2.2"));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);
        await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build("www.example.org", DnsType.A)); // cached from now on
        using Socket client = await RawDns.ConnectTcpAsync(resolver.EndPoint);

        var expected = new Dictionary<ushort, string>
        {
            [11] = "192.0.2.1",   // upstream
            [12] = "192.0.2.53",  // blocked
            [13] = "192.0.2.2",   // cache hit
            [14] = "192.0.2.53",  // blocked subdomain
            [15] = "192.0.2.1",   // upstream again, maybe cached by now
        };
        string[] names = ["example.org", "phish.example.net", "www.example.org", "a.phish.example.net", "EXAMPLE.org"];
        await client.SendAsync(RawDns.Frame([.. names.Select((n, i) => TestQueries.Build(n, DnsType.A, id: (ushort)(11 + i)))]), SocketFlags.None, Token);

        var answers = new Dictionary<ushort, string>();
        for (int i = 0; i < names.Length; i++)
        {
            byte[] reply = await RawDns.ReadFrameAsync(client) ?? throw new TimeoutException("reply missing");
            answers[RawDns.Id(reply)] = Assert.Single(Replies.Addresses(RawDns.Decode(reply)));
        }

        Assert.Equal(expected, answers);
    }

    [Fact]
    public async Task HotSwap_WhileAClientQueries_NeverFailsAQuery()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("phish.example.net. 60 IN A 192.0.2.99"));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);
        LookupClient client = resolver.CreateClient();
        using var swapping = new CancellationTokenSource();

        Task swaps = Task.Run(async () =>
        {
            for (int i = 0; i < 20 && !swapping.IsCancellationRequested; i++)
            {
                string list = i % 2 == 0 ? "other.example.net\n" : TestResolver.DefaultBlocklist;
                await resolver.Images.SwapAsync(TestResolver.CompileImage(list));
                await Task.Delay(25, CancellationToken.None);
            }
        }, Token);

        var seen = new HashSet<string>();
        var stopwatch = Stopwatch.StartNew();
        int queries = 0;
        while (queries < 2000 && stopwatch.Elapsed < TimeSpan.FromSeconds(5) && !(swaps.IsCompleted && queries >= 50))
        {
            IDnsQueryResponse response = await client.QueryAsync("phish.example.net", QueryType.A, cancellationToken: Token);
            Assert.False(response.HasError, response.ErrorMessage);
            seen.Add(Assert.Single(response.Answers.ARecords()).Address.ToString());
            queries++;
        }

        swapping.Cancel();
        await swaps;
        Assert.Subset(new HashSet<string> { "192.0.2.53", "192.0.2.99" }, seen);
        Assert.Equal(2, seen.Count);
        Assert.Equal(0, resolver.Server.Counters.Errors);
    }

    [Fact]
    public async Task MalformedPackets_LeaveTheServerAnswering()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Connect(resolver.EndPoint);
        var random = new Random(7);
        byte[] valid = TestQueries.Build("example.org", DnsType.A);
        byte[] response = (byte[])valid.Clone();
        response[2] |= 0x80;

        for (int i = 0; i < 300; i++)
        {
            byte[] packet = (i % 3) switch
            {
                0 => RandomBytes(random, random.Next(0, 700)),
                1 => valid[..random.Next(0, valid.Length)],      // cut short anywhere, header included
                _ => Mutate(random, valid),                        // one byte flipped
            };
            await udp.SendAsync(packet, SocketFlags.None, Token);
        }

        await udp.SendAsync(response, SocketFlags.None, Token);
        using (Socket tcp = await RawDns.ConnectTcpAsync(resolver.EndPoint))
        {
            await tcp.SendAsync(RawDns.Frame(RandomBytes(random, 40), valid[..5], response), SocketFlags.None, Token);
        }

        IDnsQueryResponse after = await resolver.CreateClient().QueryAsync("example.org", QueryType.A, cancellationToken: Token);
        IDnsQueryResponse afterTcp = await resolver.CreateClient(tcpOnly: true).QueryAsync("example.org", QueryType.A, cancellationToken: Token);

        Assert.Equal("192.0.2.1", Assert.Single(after.Answers.ARecords()).Address.ToString());
        Assert.Equal("192.0.2.1", Assert.Single(afterTcp.Answers.ARecords()).Address.ToString());
        Assert.Equal(0, resolver.Server.Counters.Errors);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] packet)
    {
        byte[] copy = (byte[])packet.Clone();
        copy[random.Next(copy.Length)] ^= (byte)random.Next(1, 256);
        return copy;
    }
}
