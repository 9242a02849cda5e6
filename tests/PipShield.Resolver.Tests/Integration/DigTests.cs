using PipShield.Resolver.Tests.Fakes;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>ISC dig as an independent client; skipped when dig is not installed.</summary>
public sealed class DigTests
{
    [Fact]
    public async Task Dig_ShowsTheBlockedEde_WithCategoryAndSource()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);

        string output = await Dig.RunAsync(resolver.EndPoint, "phish.example.net A");

        Assert.Contains("status: NOERROR", output);
        Assert.Contains("EDE: 15 (Blocked): (phishing: test-feed)", output);
        Assert.Matches(@"phish\.example\.net\.\s+60\s+IN\s+A\s+192\.0\.2\.53", output);
    }

    [Fact]
    public async Task Dig_NegativeBlock_HasNxDomainAndSoa()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);

        string output = await Dig.RunAsync(resolver.EndPoint, "www.malware.example.net A");

        Assert.Contains("status: NXDOMAIN", output);
        Assert.Matches(@"malware\.example\.net\.\s+60\s+IN\s+SOA", output);
        Assert.Contains("EDE: 15 (Blocked): (malware: malware-feed)", output);
    }

    [Fact]
    public async Task Dig_OverTcp_ResolvesThroughUpstream()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);

        string output = await Dig.RunAsync(resolver.EndPoint, "example.org A +tcp");

        Assert.Matches(@"example\.org\.\s+\d+\s+IN\s+A\s+192\.0\.2\.1", output);
        Assert.Equal(1, resolver.Server.Counters.TcpConnectionsAccepted);
    }

    [Fact]
    public async Task Dig_SeesTc_AndGetsTheWholeAnswerOnRetryOverTcp()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => ForwardingTests.BigAnswer(b, "big.example.org", 300));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);

        string truncated = await Dig.RunAsync(resolver.EndPoint, "big.example.org A +ignore +bufsize=4096");
        string retried = await Dig.RunAsync(resolver.EndPoint, "big.example.org A +bufsize=4096");

        Assert.Matches(@"flags: qr[a-z ]* tc", truncated);
        Assert.Contains("ANSWER: 0", truncated);
        Assert.Contains("ANSWER: 300", retried);
    }
}
