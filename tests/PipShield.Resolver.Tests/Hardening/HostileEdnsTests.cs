using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Tests.Integration;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Hardening;

/// <summary>Hostile EDNS (RFC 6891) over UDP and TCP against a real resolver; the server answers a normal query after each.</summary>
public sealed class HostileEdnsTests
{
    private static readonly byte[] Valid = TestQueries.Build("example.org", DnsType.A);

    private static readonly byte[] WithEdns = TestQueries.Build("example.org", DnsType.A, edns: true);

    /// <summary>Malformed OPT records and options; every one carries an OPT the reply answers with its own.</summary>
    private static readonly Dictionary<string, byte[]> FormErrCases = new()
    {
        ["two-opts"] = [.. TestQueries.WithCounts(WithEdns, 1, 0, 0, 2), .. TestQueries.Opt()],
        ["opt-in-answer-section"] = [.. TestQueries.WithCounts(Valid, 1, 1, 0, 0), .. TestQueries.Opt()],
        ["opt-in-authority-section"] = [.. TestQueries.WithCounts(Valid, 1, 0, 1, 0), .. TestQueries.Opt()],
        ["opt-owned-by-a-pointer"] = [.. TestQueries.WithCounts(Valid, 1, 0, 0, 1), 0xC0, 0x0C, .. TestQueries.Opt()[1..]],
        ["opt-owned-by-a-label"] = [.. TestQueries.WithCounts(Valid, 1, 0, 0, 1), 3, (byte)'o', (byte)'p', (byte)'t', .. TestQueries.Opt()],
        ["cookie-of-0-bytes"] = WithOption(EdnsOptions.Cookie, 0),
        ["cookie-of-2-bytes"] = WithOption(EdnsOptions.Cookie, 2),
        ["cookie-of-9-bytes"] = WithOption(EdnsOptions.Cookie, 9),
        ["cookie-of-41-bytes"] = WithOption(EdnsOptions.Cookie, 41),
        ["subnet-of-3-bytes"] = WithOption(EdnsOptions.ClientSubnet, [0, 1, 0]),
        ["subnet-family-3"] = WithOption(EdnsOptions.ClientSubnet, [0, 3, 8, 0, 192]),
        ["subnet-ipv4-prefix-33"] = WithOption(EdnsOptions.ClientSubnet, [0, 1, 33, 0, 192, 0, 2, 0, 0]),
        ["subnet-scope-in-a-query"] = WithOption(EdnsOptions.ClientSubnet, [0, 1, 24, 24, 192, 0, 2]),
        ["subnet-address-too-long"] = WithOption(EdnsOptions.ClientSubnet, [0, 1, 8, 0, 192, 0]),
        ["subnet-address-too-short"] = WithOption(EdnsOptions.ClientSubnet, [0, 2, 64, 0, 0x20, 0x01]),
        ["option-longer-than-the-rdata"] = TestQueries.Build("example.org", DnsType.A, edns: true, options: [0xFD, 0xE9, 0, 10, 1, 2]),
        ["option-header-cut-short"] = TestQueries.Build("example.org", DnsType.A, edns: true, options: [0xFD, 0xE9, 0]),
    };

    public static TheoryData<Transport, string> FormErrCaseNames
    {
        get
        {
            var data = new TheoryData<Transport, string>();
            foreach (string name in FormErrCases.Keys)
            {
                data.Add(Transport.Udp, name);
                data.Add(Transport.Tcp, name);
            }

            return data;
        }
    }

    [Theory]
    [InlineData(Transport.Udp, 1)]
    [InlineData(Transport.Udp, 255)]
    [InlineData(Transport.Tcp, 1)]
    [InlineData(Transport.Tcp, 255)]
    public async Task EdnsVersionAboveZero_GetsBadVers_WithAnOptOfVersionZero(Transport transport, byte version)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync();
        // RFC 6891 §6.1.3: an unknown version is answered BADVERS, whatever its options mean in that version.
        byte[] packet = TestQueries.Build("example.org", DnsType.A, id: 0x2001, edns: true, version: version,
            options: TestQueries.Option(EdnsOptions.Cookie, [1, 2]));

        byte[]? reply = await harness.SendAsync(transport, packet);

        HostileHarness.AssertReply(packet, reply, ReturnCode.BadVersion, question: true, opt: true);
        Assert.Equal(1, harness.Upstream.QueryCount);
        harness.AssertNoFaults();
    }

    [Theory]
    [MemberData(nameof(FormErrCaseNames))]
    public async Task MalformedOptRecordsAndOptions_GetFormErr_WithAnOpt(Transport transport, string name)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync();
        byte[] packet = FormErrCases[name];

        byte[]? reply = await harness.SendAsync(transport, packet);

        HostileHarness.AssertReply(packet, reply, ReturnCode.FormatError, question: true, opt: true);
        Assert.Equal(1, harness.Upstream.QueryCount);
        harness.AssertNoFaults();
    }

    [Theory]
    [InlineData(Transport.Udp)]
    [InlineData(Transport.Tcp)]
    public async Task PayloadSizeZero_IsTreatedAs512(Transport transport)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync(b =>
        {
            for (int i = 1; i <= 40; i++)
            {
                b.WithAnswer($"big.example.org. 60 IN A 192.0.2.{i}"); // about 700 bytes: over 512, under 1232
            }
        });
        byte[] zero = TestQueries.Build("big.example.org", DnsType.A, id: 0x2002, edns: true, payload: 0);
        byte[] normal = TestQueries.Build("big.example.org", DnsType.A, id: 0x2003, edns: true, payload: 1232);

        byte[]? reply = await harness.SendAsync(transport, zero);
        byte[]? fullReply = await harness.SendAsync(transport, normal);

        DnsMessage message = HostileHarness.AssertReply(zero, reply, ReturnCode.NoError, question: true, opt: true);
        Assert.Equal(40, Replies.Addresses(HostileHarness.AssertReply(normal, fullReply, ReturnCode.NoError, question: true, opt: true)).Length);
        if (transport == Transport.Udp)
        {
            Assert.InRange(reply!.Length, DnsHeader.Size, 512);
            Assert.True(message.IsTruncated);
        }
        else
        {
            Assert.False(message.IsTruncated);
            Assert.Equal(40, Replies.Addresses(message).Length);
        }

        harness.AssertNoFaults();
    }

    [Theory]
    [InlineData(Transport.Udp)]
    [InlineData(Transport.Tcp)]
    public async Task HundredsOfOptions_AreAnswered(Transport transport)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync(b => b.WithAnswer("options.example.org. 60 IN A 192.0.2.7"));
        var options = new List<byte>();
        for (int i = 0; i < 300; i++)
        {
            options.AddRange(TestQueries.Option((ushort)(65001 + i % 16), i % 3 == 0 ? [] : [(byte)i]));
        }

        options.AddRange(TestQueries.Option(EdnsOptions.ClientSubnet, [0, 1, 24, 0, 192, 0, 2]));
        options.AddRange(TestQueries.Option(EdnsOptions.Padding, new byte[64]));
        byte[] packet = TestQueries.Build("options.example.org", DnsType.A, id: 0x2004, edns: true, options: [.. options]);

        byte[]? reply = await harness.SendAsync(transport, packet);

        DnsMessage message = HostileHarness.AssertReply(packet, reply, ReturnCode.NoError, question: true, opt: true);
        Assert.Equal("192.0.2.7", Assert.Single(Replies.Addresses(message)));
        harness.AssertNoFaults();
    }

    [Theory]
    [InlineData(Transport.Udp)]
    [InlineData(Transport.Tcp)]
    public async Task ClientOpt_IsNeverRelayedUpstream_OnlyItsDoBit(Transport transport)
    {
        await using HostileHarness harness = await HostileHarness.StartAsync(b => b.WithAnswer("relay.example.org. 60 IN A 192.0.2.8"));
        byte[] options =
        [
            .. TestQueries.Option(EdnsOptions.Cookie, [1, 2, 3, 4, 5, 6, 7, 8]),
            .. TestQueries.Option(EdnsOptions.ClientSubnet, [0, 1, 24, 0, 198, 51, 100]),
            .. TestQueries.Option(EdnsOptions.Padding, new byte[32]),
            .. TestQueries.Option(65001, [0xAB]),
        ];
        byte[] packet = TestQueries.Build("relay.example.org", DnsType.A, id: 0x2005, edns: true, payload: 4096, dnssecOk: true, options: options);
        packet[^(options.Length + 6)] = 0x7F; // the OPT's extended-rcode byte, which a query must leave 0 and nobody may copy

        byte[]? reply = await harness.SendAsync(transport, packet);

        HostileHarness.AssertReply(packet, reply, ReturnCode.NoError, question: true, opt: true);
        byte[] sent = Assert.Single(harness.Upstream.ReceivedQueries, q => q.AsSpan().IndexOf("\u0005relay"u8) >= 0);
        // Header, question, then PipShield's own OPT: root, OPT, payload 1232, rcode 0, version 0, DO only, no options.
        Assert.Equal(1, sent[11]);
        Assert.Equal("00" + "0029" + "04D0" + "00" + "00" + "8000" + "0000", Convert.ToHexString(sent[^11..]));
        Assert.Equal(DnsHeader.Size + 19 + 4 + 11, sent.Length);
        harness.AssertNoFaults();
    }

    private static byte[] WithOption(ushort code, int length) => WithOption(code, new byte[length]);

    private static byte[] WithOption(ushort code, byte[] data) =>
        TestQueries.Build("example.org", DnsType.A, edns: true, options: TestQueries.Option(code, data));
}
