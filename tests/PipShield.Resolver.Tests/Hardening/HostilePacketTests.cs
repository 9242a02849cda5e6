using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Hardening;

/// <summary>
/// Malformed packets thrown at a real resolver over UDP and TCP (issue 4, "Hostile packets"): each gets FORMERR
/// or nothing, and the server answers a normal query right after it (<see cref="HostileHarness"/>).
/// </summary>
public sealed class HostilePacketTests
{
    /// <summary>example.org A, ID 0x1234, RD: 12-byte header, 13-byte name, type and class.</summary>
    private static readonly byte[] Valid = TestQueries.Build("example.org", DnsType.A);

    public static TheoryData<Transport, string> LyingCountCases => Cases(HostilePackets.LyingCounts.Keys);

    public static TheoryData<Transport, string> MalformedNameCases => Cases(HostilePackets.MalformedNames.Keys);

    [Theory]
    [InlineData(Transport.Udp)]
    [InlineData(Transport.Tcp)]
    public async Task PacketsShorterThanAHeader_AreDropped_AndAHeaderAloneGetsFormErr(Transport transport)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync();

        for (int length = 0; length < DnsHeader.Size; length++)
        {
            Assert.Null(await harness.SendAsync(transport, Valid[..length], expectReply: false));
        }

        // 12 bytes: a header that promises a question it does not carry.
        byte[]? reply = await harness.SendAsync(transport, Valid[..DnsHeader.Size]);
        HostileHarness.AssertReply(Valid, reply, ReturnCode.FormatError, question: false, opt: false);
        harness.AssertNoFaults();
    }

    [Theory]
    [InlineData(Transport.Udp, 0)]
    [InlineData(Transport.Udp, 2)]
    [InlineData(Transport.Udp, 65535)]
    [InlineData(Transport.Tcp, 0)]
    [InlineData(Transport.Tcp, 2)]
    [InlineData(Transport.Tcp, 65535)]
    public async Task QuestionCountsOtherThanOne_GetFormErr(Transport transport, int questions)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync();
        byte[] packet = questions switch
        {
            0 => TestQueries.WithCounts(Valid[..DnsHeader.Size], 0, 0, 0, 0),                      // a header only
            2 => TestQueries.WithCounts([.. Valid, .. Valid[DnsHeader.Size..]], 2, 0, 0, 0),        // two real questions
            _ => TestQueries.WithCounts(Valid, (ushort)questions, 0, 0, 0),
        };

        byte[]? reply = await harness.SendAsync(transport, packet);

        HostileHarness.AssertReply(packet, reply, ReturnCode.FormatError, question: false, opt: false);
        Assert.Equal(1, harness.Upstream.QueryCount); // the warm-up only
        harness.AssertNoFaults();
    }

    [Theory]
    [MemberData(nameof(LyingCountCases))]
    public async Task CountsThatLie_AndTrailingJunk_GetFormErr(Transport transport, string name)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync();
        (byte[] packet, bool opt) = HostilePackets.LyingCounts[name];

        byte[]? reply = await harness.SendAsync(transport, packet);

        HostileHarness.AssertReply(packet, reply, ReturnCode.FormatError, question: true, opt);
        harness.AssertNoFaults();
    }

    [Theory]
    [InlineData(Transport.Udp)]
    [InlineData(Transport.Tcp)]
    public async Task ResponsesSentAsQueries_AreNeverAnswered(Transport transport)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync();

        foreach (byte[] packet in HostilePackets.Responses())
        {
            Assert.Null(await harness.SendAsync(transport, packet, expectReply: false));
        }

        Assert.Equal(1, harness.Upstream.QueryCount);
        harness.AssertNoFaults();
    }

    [Theory]
    [MemberData(nameof(MalformedNameCases))]
    public async Task MalformedNames_AndBadCompressionPointers_GetFormErr(Transport transport, string name)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync();
        (byte[] packet, bool questionReadable) = HostilePackets.MalformedNames[name];

        byte[]? reply = await harness.SendAsync(transport, packet);

        HostileHarness.AssertReply(packet, reply, ReturnCode.FormatError, questionReadable, opt: false);
        Assert.Equal(1, harness.Upstream.QueryCount);
        harness.AssertNoFaults();
    }

    [Theory]
    [InlineData(Transport.Udp)]
    [InlineData(Transport.Tcp)]
    public async Task APointerChainWithinTheHopLimit_IsAccepted(Transport transport)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync();
        byte[] packet = HostilePackets.WithPointerChainOwner(DnsName.MaxPointerHops - 1);

        byte[]? reply = await harness.SendAsync(transport, packet);

        DnsMessage message = HostileHarness.AssertReply(packet, reply, ReturnCode.NoError, question: true, opt: false);
        Assert.Equal("192.0.2.1", Assert.Single(Integration.Replies.Addresses(message)));
        harness.AssertNoFaults();
    }

    [Fact]
    public async Task UdpDatagramOf64KiB_GetsFormErr()
    {
        await using HostileHarness harness = await HostileHarness.StartAsync();
        byte[] packet = HostilePackets.PadWithJunk(Valid, HostilePackets.MaxUdpPayload);

        byte[]? reply = await harness.SendAsync(Transport.Udp, packet);

        HostileHarness.AssertReply(packet, reply, ReturnCode.FormatError, question: true, opt: false);
        harness.AssertNoFaults();
    }

    [Fact]
    public async Task TcpFrameOf64KiB_GetsFormErr_AndTheConnectionServesOn()
    {
        await using HostileHarness harness = await HostileHarness.StartAsync();
        byte[] packet = HostilePackets.PadWithJunk(Valid, QueryContext.MaxMessageSize);

        byte[]? reply = await harness.SendAsync(Transport.Tcp, packet); // the probe follows on the same connection

        HostileHarness.AssertReply(packet, reply, ReturnCode.FormatError, question: true, opt: false);
        harness.AssertNoFaults();
    }

    [Theory]
    [InlineData(Transport.Udp)]
    [InlineData(Transport.Tcp)]
    public async Task WellFormedQueryOf64KiB_WithOnePaddingOption_IsAnswered(Transport transport)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync();
        int size = transport == Transport.Udp ? HostilePackets.MaxUdpPayload : QueryContext.MaxMessageSize;
        byte[] packet = HostilePackets.PaddedQuery(size);
        Assert.Equal(size, packet.Length);

        byte[]? reply = await harness.SendAsync(transport, packet);

        DnsMessage message = HostileHarness.AssertReply(packet, reply, ReturnCode.NoError, question: true, opt: true);
        Assert.Equal("192.0.2.1", Assert.Single(Integration.Replies.Addresses(message)));
        harness.AssertNoFaults();
    }

    private static TheoryData<Transport, string> Cases(IEnumerable<string> names)
    {
        var data = new TheoryData<Transport, string>();
        foreach (string name in names)
        {
            data.Add(Transport.Udp, name);
            data.Add(Transport.Tcp, name);
        }

        return data;
    }
}
