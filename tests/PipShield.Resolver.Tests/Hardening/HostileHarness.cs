using System.Buffers.Binary;
using System.Net.Sockets;
using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Tests.Integration;
using PipShield.Resolver.Tests.Listeners;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;

namespace PipShield.Resolver.Tests.Hardening;

/// <summary>
/// A whole resolver (<see cref="TestResolver"/>) in front of a <see cref="FakeUpstream"/>, and one way to throw a
/// hostile packet at it: over UDP or TCP, followed on the same socket by a normal query (the probe) that must
/// still be answered correctly. Replies are decoded by ARSoft.Tools.Net, an independent codec.
/// </summary>
/// <remarks>
/// The probe is answered from the cache (warmed at start), so it completes synchronously on the server. A
/// hostile packet that is dropped or refused by a stage also completes synchronously, and the server handles
/// one UDP socket on one receive thread and frames TCP replies in completion order, so a reply to the hostile
/// packet, if any, arrives before the probe's. "No reply" is therefore shown without waiting for a timeout.
/// </remarks>
internal sealed class HostileHarness : IAsyncDisposable
{
    /// <summary>The ID of the probe query; hostile packets use any other.</summary>
    public const ushort ProbeId = 0x5E47;

    /// <summary>At most this many messages are read per exchange: the hostile reply, the probe reply, spares.</summary>
    private const int MaxMessagesPerExchange = 4;

    private static readonly byte[] Probe = TestQueries.Build("example.org", DnsType.A, id: ProbeId);

    private HostileHarness(FakeUpstream upstream, TestResolver resolver)
    {
        Upstream = upstream;
        Resolver = resolver;
    }

    public FakeUpstream Upstream { get; }

    public TestResolver Resolver { get; }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Starts the fake upstream (example.org A 192.0.2.1, plus <paramref name="configure"/>) and the resolver.</summary>
    public static async Task<HostileHarness> StartAsync(Action<FakeUpstreamBuilder>? configure = null)
    {
        FakeUpstream upstream = await FakeUpstream.StartAsync(b =>
        {
            b.WithAnswer("example.org. 3600 IN A 192.0.2.1");
            configure?.Invoke(b);
        });
        TestResolver resolver = await TestResolver.StartAsync(upstream.EndPoint);
        var harness = new HostileHarness(upstream, resolver);
        AssertProbeAnswer(await RawDns.QueryUdpAsync(resolver.EndPoint, Probe)); // warms the cache
        return harness;
    }

    /// <summary>
    /// Sends <paramref name="hostile"/> (a raw datagram, or one TCP frame on a new connection), then the probe on
    /// the same socket, and checks the probe's answer.
    /// </summary>
    /// <param name="expectReply">Wait for a reply to <paramref name="hostile"/> even if it comes after the probe's
    /// (a query that went upstream). When false, anything arriving before the probe's reply is returned.</param>
    /// <returns>The reply to <paramref name="hostile"/>, or null when there was none.</returns>
    public Task<byte[]?> SendAsync(Transport transport, byte[] hostile, bool expectReply = true) => transport switch
    {
        Transport.Udp => SendUdpAsync(hostile, expectReply),
        Transport.Tcp => SendTcpAsync(hostile, expectReply),
        _ => throw new ArgumentOutOfRangeException(nameof(transport)),
    };

    /// <summary>Sends <paramref name="hostile"/> and returns its reply decoded; fails when there is none.</summary>
    public async Task<DnsMessage> ExchangeAsync(Transport transport, byte[] hostile) =>
        RawDns.Decode(await SendAsync(transport, hostile) ?? throw new InvalidOperationException("the hostile packet got no reply"));

    /// <summary>No listener fault was counted while the packets went through.</summary>
    public void AssertNoFaults() => Assert.Equal(0, Resolver.Server.Counters.Errors);

    public async ValueTask DisposeAsync()
    {
        await Resolver.DisposeAsync();
        await Upstream.DisposeAsync();
    }

    /// <summary>
    /// Checks what every reply PipShield makes up must do: QR and RA set, the ID, RD bit and (when it could be
    /// read) question of <paramref name="query"/> echoed, the rcode (BADVERS through the OPT's extended rcode),
    /// and an OPT of version 0 exactly when <paramref name="opt"/>.
    /// </summary>
    public static DnsMessage AssertReply(byte[] query, byte[]? reply, ReturnCode rcode, bool question, bool opt)
    {
        Assert.NotNull(reply);
        DnsMessage message = RawDns.Decode(reply);
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(2));
        Assert.Equal(BinaryPrimitives.ReadUInt16BigEndian(query), message.TransactionID);
        Assert.True((flags & DnsHeader.QrFlag) != 0, "QR set");
        Assert.True((flags & DnsHeader.RaFlag) != 0, "RA set");
        Assert.Equal((query[2] & 0x01) != 0, (flags & DnsHeader.RdFlag) != 0);
        Assert.Equal(rcode, message.ReturnCode);
        if (question)
        {
            int questionEnd = QuestionEnd(query);
            Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(4)));
            Assert.Equal(query[DnsHeader.Size..questionEnd], reply[DnsHeader.Size..questionEnd]); // as sent, case kept
        }
        else
        {
            Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(4)));
        }

        if (opt)
        {
            Assert.NotNull(message.EDnsOptions);
            Assert.Equal(0, message.EDnsOptions.Version);
        }
        else
        {
            Assert.Null(message.EDnsOptions);
        }

        return message;
    }

    /// <summary>Where the (uncompressed) first question of <paramref name="query"/> ends.</summary>
    private static int QuestionEnd(byte[] query)
    {
        int position = DnsHeader.Size;
        for (int i = 0; i < 128 && query[position] != 0; i++)
        {
            position += 1 + query[position];
        }

        return position + 1 + 4;
    }

    private async Task<byte[]?> SendUdpAsync(byte[] hostile, bool expectReply)
    {
        using var socket = new Socket(Resolver.EndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(Resolver.EndPoint);
        await socket.SendAsync(hostile, SocketFlags.None, Token);
        await socket.SendAsync(Probe, SocketFlags.None, Token);
        return await CollectAsync(() => RawDns.TryReceiveAsync(socket, RawDns.DefaultTimeout), expectReply);
    }

    private async Task<byte[]?> SendTcpAsync(byte[] hostile, bool expectReply)
    {
        using Socket socket = await RawDns.ConnectTcpAsync(Resolver.EndPoint);
        await socket.SendAsync(RawDns.Frame(hostile, Probe), SocketFlags.None, Token);
        return await CollectAsync(() => RawDns.ReadFrameAsync(socket), expectReply);
    }

    private static async Task<byte[]?> CollectAsync(Func<Task<byte[]?>> receive, bool expectReply)
    {
        byte[]? hostileReply = null;
        bool probeAnswered = false;
        for (int i = 0; i < MaxMessagesPerExchange && !(probeAnswered && (hostileReply is not null || !expectReply)); i++)
        {
            byte[] message = await receive() ?? throw new InvalidOperationException(probeAnswered
                ? "the hostile packet got no reply"
                : "the server stopped answering: the probe after the hostile packet got no reply");
            if (IsProbeReply(message))
            {
                AssertProbeAnswer(message);
                probeAnswered = true;
            }
            else
            {
                Assert.Null(hostileReply); // one reply per packet at most
                hostileReply = message;
            }
        }

        Assert.True(probeAnswered, "the probe got no reply");
        return hostileReply;
    }

    private static bool IsProbeReply(byte[] message)
    {
        if (message.Length < Probe.Length || BinaryPrimitives.ReadUInt16BigEndian(message) != ProbeId)
        {
            return false;
        }

        // The probe's question echoed: only the probe can have this ID and question.
        return message.AsSpan(DnsHeader.Size, Probe.Length - DnsHeader.Size).SequenceEqual(Probe.AsSpan(DnsHeader.Size));
    }

    private static void AssertProbeAnswer(byte[] reply)
    {
        DnsMessage message = RawDns.Decode(reply);
        Assert.Equal(ProbeId, message.TransactionID);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        Assert.Equal("192.0.2.1", Assert.Single(Replies.Addresses(message)));
    }
}
