using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Tests.Listeners;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;
using ReturnCode = ARSoft.Tools.Net.Dns.ReturnCode;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>Upstream answers that lead to a listed name or address, over real sockets.</summary>
public sealed class ResponsePolicyTests
{
    [Fact]
    public async Task CnameToAListedName_IsBlocked()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b
            .WithCname("metrics.example.org", "tracker.example.net")
            .WithAnswer("tracker.example.net. 60 IN A 192.0.2.20"));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);

        DnsMessage reply = RawDns.Decode(await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build("metrics.example.org", DnsType.A, edns: true)));

        Assert.Equal(["192.0.2.53"], Replies.Addresses(reply));
        Assert.Equal(((ushort)15, "phishing: test-feed"), Replies.Ede(reply));
        Assert.Equal(1, upstream.QueryCount);
    }

    [Fact]
    public async Task AnswerWithAListedAddress_IsBlocked()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("badip.example.org. 60 IN A 198.51.100.66"));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);

        DnsMessage reply = RawDns.Decode(await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build("badip.example.org", DnsType.A, edns: true)));

        Assert.Equal(ReturnCode.NxDomain, reply.ReturnCode); // the bad-ips list is in the malware category
        Assert.Empty(reply.AnswerRecords);
        Assert.Equal(((ushort)15, "malware: bad-ips"), Replies.Ede(reply));
    }
}
