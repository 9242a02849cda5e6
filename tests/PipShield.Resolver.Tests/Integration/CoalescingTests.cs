using System.Net.Sockets;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Tests.Listeners;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>Identical uncached queries arriving together, over real sockets: one upstream query answers them all.</summary>
public sealed class CoalescingTests
{
    private const int Clients = 50;
    private const int QueriesPerClient = 20;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThousandConcurrentQueriesForOneUncachedName_CostAtMostTwoUpstreamQueries()
    {
        // Slow enough upstream that every query arrives while the first is still out.
        await using var upstream = await FakeUpstream.StartAsync(b => b
            .WithAnswer("popular.example.org. 300 IN A 192.0.2.30")
            .WithDelay(TimeSpan.FromSeconds(1)));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint, configure: o =>
        {
            o.Server.MaxQueriesInFlight = 4096;
            o.Upstream.Timeout = TimeSpan.FromSeconds(3);
            o.Upstream.Deadline = TimeSpan.FromSeconds(5);
        });

        var sockets = new Socket[Clients];
        try
        {
            for (int c = 0; c < Clients; c++)
            {
                sockets[c] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                sockets[c].Connect(resolver.EndPoint);
            }

            Dictionary<ushort, DnsMessage>[] answers = await Task.WhenAll(sockets.Select((socket, c) => Task.Run(() => AskAsync(socket, c), Token)));

            // Every query answered under its own ID and with its own spelling of the name, from one or two upstream queries.
            Assert.Equal(Clients * QueriesPerClient, answers.Sum(a => a.Count));
            foreach ((ushort id, DnsMessage reply) in answers.SelectMany(a => a))
            {
                Assert.Equal(id, reply.TransactionID);
                Assert.Equal(Spelling(id), reply.Questions[0].Name.ToString().TrimEnd('.'));
                Assert.Equal(["192.0.2.30"], Replies.Addresses(reply));
            }

            Assert.InRange(upstream.QueryCount, 1, 2);
        }
        finally
        {
            foreach (Socket? socket in sockets)
            {
                socket?.Dispose();
            }
        }
    }

    /// <summary>Sends this client's queries back to back, collects replies for up to eight seconds, and resends once what is missing.</summary>
    private static async Task<Dictionary<ushort, DnsMessage>> AskAsync(Socket socket, int client)
    {
        var replies = new Dictionary<ushort, DnsMessage>();
        ushort[] ids = [.. Enumerable.Range(0, QueriesPerClient).Select(k => (ushort)(1 + client * QueriesPerClient + k))];
        for (int round = 0; round < 2 && replies.Count < ids.Length; round++)
        {
            foreach (ushort id in ids.Where(id => !replies.ContainsKey(id)))
            {
                await socket.SendAsync(TestQueries.Build(Spelling(id), DnsType.A, id: id), SocketFlags.None, Token);
            }

            TimeSpan wait = round == 0 ? TimeSpan.FromSeconds(8) : TimeSpan.FromSeconds(3);
            using var timeout = new CancellationTokenSource(wait);
            while (replies.Count < ids.Length && await RawDns.TryReceiveAsync(socket, wait) is { } reply)
            {
                DnsMessage message = RawDns.Decode(reply);
                replies[message.TransactionID] = message;
                if (timeout.IsCancellationRequested)
                {
                    break;
                }
            }
        }

        return replies;
    }

    /// <summary>The name with its case randomised from the ID (0x20), as a client hardened against forgeries would send it.</summary>
    private static string Spelling(ushort id)
    {
        char[] name = "popular.example.org".ToCharArray();
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsLetter(name[i]) && ((id >> (i % 16)) & 1) != 0)
            {
                name[i] = char.ToUpperInvariant(name[i]);
            }
        }

        return new string(name);
    }
}
