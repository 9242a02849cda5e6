using DnsClient;
using DnsClient.Protocol;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Tests.Listeners;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;
using ReturnCode = ARSoft.Tools.Net.Dns.ReturnCode;
using WireSoa = ARSoft.Tools.Net.Dns.SoaRecord;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>Blocked names over real sockets, end to end through the composed pipeline.</summary>
public sealed class BlockingTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Query_ForBlockedName_AnswersTheSinkhole_WithBlockedEde()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);

        IDnsQueryResponse response = await resolver.CreateClient().QueryAsync("phish.example.net", QueryType.A, cancellationToken: Token);
        DnsMessage raw = RawDns.Decode(await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build("phish.example.net", DnsType.A, edns: true)));

        Assert.Equal("192.0.2.53", Assert.Single(response.Answers.ARecords()).Address.ToString());
        Assert.Equal(((ushort)15, "phishing: test-feed"), Replies.Ede(raw));
        Assert.Equal(0, upstream.QueryCount);
    }

    [Fact]
    public async Task Query_ForSubdomainOfBlockedName_IsBlocked()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("login.phish.example.net. 60 IN A 192.0.2.1"));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);

        IDnsQueryResponse response = await resolver.CreateClient().QueryAsync("Login.Phish.example.NET", QueryType.AAAA, cancellationToken: Token);

        Assert.Equal("2001:db8::53", Assert.Single(response.Answers.AaaaRecords()).Address.ToString());
        Assert.Equal(0, upstream.QueryCount);
    }

    [Fact]
    public async Task Query_ForAllowlistedNameUnderABlockedOne_IsForwarded()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("safe.phish.example.net. 60 IN A 192.0.2.10"));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);

        IDnsQueryResponse response = await resolver.CreateClient().QueryAsync("safe.phish.example.net", QueryType.A, cancellationToken: Token);

        Assert.Equal("192.0.2.10", Assert.Single(response.Answers.ARecords()).Address.ToString());
        Assert.Equal(1, upstream.QueryCount);
    }

    [Theory]
    [InlineData("phish.example.net", "NoError", 1, 0, "phishing: test-feed")]
    [InlineData("malware.example.net", "NxDomain", 0, 1, "malware: malware-feed")]
    [InlineData("c2.example.net", "NoError", 0, 1, "c2: c2-feed")]
    [InlineData("scam.example.net", "Refused", 0, 0, "scam: scam-feed")]
    public async Task Query_ForEachCategory_AnswersWithItsConfiguredAction(string name, string rcode, int answers, int soaRecords, string edeText)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);

        DnsMessage reply = RawDns.Decode(await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build(name, DnsType.A, edns: true)));

        Assert.Equal(Enum.Parse<ReturnCode>(rcode), reply.ReturnCode);
        Assert.Equal(answers, reply.AnswerRecords.Count);
        Assert.Equal(soaRecords, reply.AuthorityRecords.OfType<WireSoa>().Count());
        Assert.Equal(((ushort)15, edeText), Replies.Ede(reply));
        Assert.Equal(0, upstream.QueryCount);
    }

    [Fact]
    public async Task NegativeBlockAnswers_CarryAnSoaWhoseMinimumIsTheBlockTtl()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);

        IDnsQueryResponse response = await resolver.CreateClient().QueryAsync("www.malware.example.net", QueryType.A, cancellationToken: Token);

        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, response.Header.ResponseCode);
        SoaRecord soa = Assert.Single(response.Authorities.SoaRecords());
        Assert.Equal(60u, soa.Minimum);
        Assert.Equal("malware.example.net.", soa.DomainName.Value);
    }
}
