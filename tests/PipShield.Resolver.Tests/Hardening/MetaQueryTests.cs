using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Tests.Integration;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Hardening;

/// <summary>
/// Queries a protective resolver answers itself and never forwards: ANY (RFC 8482), zone transfers, classes other
/// than IN, opcodes other than QUERY. Over UDP and TCP against a real resolver; the fake upstream must see nothing.
/// </summary>
public sealed class MetaQueryTests
{
    [Theory]
    [InlineData(Transport.Udp, false)]
    [InlineData(Transport.Udp, true)]
    [InlineData(Transport.Tcp, false)]
    [InlineData(Transport.Tcp, true)]
    public async Task AnyQuery_GetsTheRfc8482Hinfo_AndIsNeverForwarded(Transport transport, bool edns)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync();
        int before = harness.Upstream.QueryCount;

        foreach (string name in new[] { "Any.Example.ORG", "phish.example.net", "." })
        {
            byte[] packet = TestQueries.Build(name, DnsType.ANY, id: 0x3001, edns: edns, dnssecOk: edns);

            byte[]? reply = await harness.SendAsync(transport, packet);

            DnsMessage message = HostileHarness.AssertReply(packet, reply, ReturnCode.NoError, question: true, opt: edns);
            HInfoRecord hinfo = Assert.IsType<HInfoRecord>(Assert.Single(message.AnswerRecords));
            Assert.Equal("RFC8482", hinfo.Cpu);
            Assert.Equal("", hinfo.OperatingSystem);
            Assert.Equal(3600, hinfo.TimeToLive);
            Assert.Equal(RecordClass.INet, hinfo.RecordClass);
            Assert.True(hinfo.Name.Equals(message.Questions[0].Name), $"HINFO owned by {hinfo.Name}, asked {message.Questions[0].Name}");
            Assert.Empty(message.AuthorityRecords);
            Assert.False(message.IsAuthoritiveAnswer);
        }

        Assert.Equal(before, harness.Upstream.QueryCount);
        harness.AssertNoFaults();
    }

    [Theory]
    [InlineData(Transport.Udp, DnsType.AXFR)]
    [InlineData(Transport.Udp, DnsType.IXFR)]
    [InlineData(Transport.Tcp, DnsType.AXFR)]
    [InlineData(Transport.Tcp, DnsType.IXFR)]
    public async Task ZoneTransfers_AreRefused_AndNeverRelayed(Transport transport, DnsType type)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync();
        int before = harness.Upstream.QueryCount;
        byte[] bare = TestQueries.Build("example.org", type, id: 0x3002, edns: true);
        // RFC 1995 §3: an IXFR query carries the client's SOA in the authority section.
        byte[] withSoa = [.. TestQueries.WithCounts(TestQueries.Build("example.org", type, id: 0x3003), 1, 0, 1, 0),
            0xC0, 0x0C, 0, (byte)DnsType.SOA, 0, 1, 0, 0, 0, 0, 0, 22, 0, 0, .. new byte[20]];

        DnsMessage refused = HostileHarness.AssertReply(bare, await harness.SendAsync(transport, bare), ReturnCode.Refused, question: true, opt: true);
        HostileHarness.AssertReply(withSoa, await harness.SendAsync(transport, withSoa), ReturnCode.Refused, question: true, opt: false);

        Assert.Equal((ushort)EdeCode.NotSupported, Replies.Ede(refused)?.Code);
        Assert.Equal(before, harness.Upstream.QueryCount);
        harness.AssertNoFaults();
    }

    [Theory]
    [InlineData(Transport.Udp, 3)]    // CH: version.bind, id.server, hostname.bind
    [InlineData(Transport.Udp, 4)]    // HS
    [InlineData(Transport.Udp, 254)]  // NONE: meaningful in UPDATE only (RFC 2136)
    [InlineData(Transport.Udp, 255)]  // ANY
    [InlineData(Transport.Udp, 0)]    // reserved
    [InlineData(Transport.Tcp, 3)]
    [InlineData(Transport.Tcp, 4)]
    [InlineData(Transport.Tcp, 254)]
    [InlineData(Transport.Tcp, 255)]
    [InlineData(Transport.Tcp, 0)]
    public async Task ClassesOtherThanIn_AreRefused_AndNeverRelayed(Transport transport, ushort qclass)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync();
        int before = harness.Upstream.QueryCount;

        foreach ((string name, DnsType type) in new[] { ("version.bind", DnsType.TXT), ("example.org", DnsType.A), ("example.org", DnsType.ANY) })
        {
            byte[] packet = WithClass(TestQueries.Build(name, type, id: 0x3004, edns: true), name, qclass);

            byte[]? reply = await harness.SendAsync(transport, packet);

            DnsMessage message = HostileHarness.AssertReply(packet, reply, ReturnCode.Refused, question: true, opt: true);
            Assert.Empty(message.AnswerRecords);
            Assert.Equal((ushort)EdeCode.NotSupported, Replies.Ede(message)?.Code);
        }

        Assert.Equal(before, harness.Upstream.QueryCount);
        harness.AssertNoFaults();
    }

    [Theory]
    [InlineData(Transport.Udp, 1)]    // IQUERY, obsolete (RFC 3425)
    [InlineData(Transport.Udp, 2)]    // STATUS
    [InlineData(Transport.Udp, 4)]    // NOTIFY
    [InlineData(Transport.Udp, 5)]    // UPDATE
    [InlineData(Transport.Udp, 15)]
    [InlineData(Transport.Tcp, 4)]
    [InlineData(Transport.Tcp, 5)]
    public async Task OpcodesOtherThanQuery_GetNotImp_AndAreNeverRelayed(Transport transport, int opcode)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync();
        int before = harness.Upstream.QueryCount;
        byte[] packet = TestQueries.Build("example.org", DnsType.SOA, id: 0x3005, flags: (ushort)(opcode << 11));

        byte[]? reply = await harness.SendAsync(transport, packet);

        HostileHarness.AssertReply(packet, reply, ReturnCode.NotImplemented, question: true, opt: false);
        Assert.Equal(before, harness.Upstream.QueryCount);
        harness.AssertNoFaults();
    }

    /// <summary><paramref name="query"/> with its question class set to <paramref name="qclass"/>.</summary>
    private static byte[] WithClass(byte[] query, string name, ushort qclass)
    {
        byte[] copy = (byte[])query.Clone();
        int classOffset = DnsHeader.Size + name.Length + 2 + 2; // labels, root, type
        copy[classOffset] = (byte)(qclass >> 8);
        copy[classOffset + 1] = (byte)qclass;
        return copy;
    }
}
