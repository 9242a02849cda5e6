using System.Net;
using ARSoft.Tools.Net.Dns;
using PipShield.Blocklist;
using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Parsing;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.Policy;
using PipShield.Resolver.Stages.ResponsePolicy;
using PipShield.Resolver.Stages.Upstream;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;
using static PipShield.Resolver.Tests.Stages.Upstream.UpstreamTestKit;

namespace PipShield.Resolver.Tests.Stages.ResponsePolicy;

public sealed class ResponsePolicyStageTests
{
    private static readonly SourceDescriptor Trackers = new("t", "malware", ListFormat.Domains);

    [Fact]
    public async Task Process_BlocksCnameToListedName()
    {
        using var images = new ImageHolder(Image((Trackers, "tracker.example.net\n")));
        await using var fake = await FakeUpstream.StartAsync(b => b
            .WithCname("www.example.org", "tracker.example.net")
            .WithAnswer("tracker.example.net. 60 IN A 198.51.100.7"));

        QueryContext query = await ResolveAsync(images, fake, "www.example.org", DnsType.A);

        Assert.Equal(ResponseOrigin.Blocked, query.Origin);
        Assert.Equal(Verdict.Blocked, query.Decision.Verdict);
        DnsMessage message = Decode(query.ResponseSpan);
        ARecord sinkhole = Assert.IsType<ARecord>(Assert.Single(message.AnswerRecords));
        Assert.Equal("www.example.org.", sinkhole.Name.ToString());
        Assert.Equal(IPAddress.Any, sinkhole.Address);
        Assert.Equal((ushort)EdeCode.Blocked, ExtendedError(query.ResponseSpan));
    }

    [Fact]
    public async Task Process_BlockAnswerForCnameBelowListedName_OwnsSoaByQueryName()
    {
        var nxdomain = Trackers with { Action = RuleAction.NxDomain };
        using var images = new ImageHolder(Image((nxdomain, "tracker.example.net\n")));
        await using var fake = await FakeUpstream.StartAsync(b => b
            .WithCname("www.example.org", "cdn.tracker.example.net")
            .WithAnswer("cdn.tracker.example.net. 60 IN A 198.51.100.7"));

        QueryContext query = await ResolveAsync(images, fake, "www.example.org", DnsType.A);

        DnsMessage message = Decode(query.ResponseSpan);
        Assert.Equal(ReturnCode.NxDomain, message.ReturnCode);
        Assert.Empty(message.AnswerRecords);
        SoaRecord soa = Assert.IsType<SoaRecord>(Assert.Single(message.AuthorityRecords));
        Assert.Equal("www.example.org.", soa.Name.ToString());
    }

    [Fact]
    public async Task Process_BlocksAddressInListedRange()
    {
        using var images = new ImageHolder(Image((new SourceDescriptor("ips", "c2", ListFormat.Ip), "192.0.2.0/24\n")));
        await using var fake = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));

        QueryContext query = await ResolveAsync(images, fake, "example.org", DnsType.A);

        Assert.Equal(ResponseOrigin.Blocked, query.Origin);
        Assert.True(query.Decision.IsIp);
        Assert.Equal(IPAddress.Any, Assert.IsType<ARecord>(Assert.Single(Decode(query.ResponseSpan).AnswerRecords)).Address);
    }

    [Fact]
    public async Task Process_BlocksIPv6AddressInListedRange()
    {
        using var images = new ImageHolder(Image((new SourceDescriptor("ips", "c2", ListFormat.Ip), "2001:db8::/32\n")));
        await using var fake = await FakeUpstream.StartAsync(b => b
            .WithCname("example.org", "host.example.net")
            .WithAnswer("host.example.net. 60 IN AAAA 2001:db8::1"));

        QueryContext query = await ResolveAsync(images, fake, "example.org", DnsType.AAAA);

        Assert.Equal(ResponseOrigin.Blocked, query.Origin);
        Assert.Equal(IPAddress.IPv6Any, Assert.IsType<AaaaRecord>(Assert.Single(Decode(query.ResponseSpan).AnswerRecords)).Address);
    }

    [Fact]
    public async Task Process_LeavesCleanAnswerUntouched()
    {
        using var images = new ImageHolder(Image((Trackers, "tracker.example.net\n"), (new SourceDescriptor("ips", "c2", ListFormat.Ip), "192.0.2.0/24\n")));
        await using var fake = await FakeUpstream.StartAsync(b => b
            .WithCname("www.example.org", "cdn.example.net")
            .WithAnswer("cdn.example.net. 60 IN A 198.51.100.7"));

        QueryContext query = await ResolveAsync(images, fake, "www.example.org", DnsType.A, inspect: false);
        byte[] before = query.ResponseSpan.ToArray();
        Inspector(images).Process(query);

        Assert.Equal(ResponseOrigin.Upstream, query.Origin);
        Assert.Equal(before, query.ResponseSpan.ToArray());
    }

    [Fact]
    public async Task Process_ExemptsAnswer_WhenQueryNameIsAllowed()
    {
        using var images = new ImageHolder(Image(
            (Trackers, "tracker.example.net\n"),
            (new SourceDescriptor("allow", "custom", ListFormat.Domains, IsAllowlist: true), "www.example.org\n")));
        await using var fake = await FakeUpstream.StartAsync(b => b
            .WithCname("www.example.org", "tracker.example.net")
            .WithAnswer("tracker.example.net. 60 IN A 198.51.100.7"));

        QueryContext query = await ResolveAsync(images, fake, "www.example.org", DnsType.A);

        Assert.Equal(Verdict.Allowed, query.Decision.Verdict);
        Assert.Equal(ResponseOrigin.Upstream, query.Origin);
        Assert.Equal(2, Decode(query.ResponseSpan).AnswerRecords.Count);
    }

    [Fact]
    public async Task Process_IgnoresResponsesNotFromUpstream()
    {
        using var images = new ImageHolder(Image((new SourceDescriptor("ips", "c2", ListFormat.Ip), "192.0.2.0/24\n")));
        await using var fake = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        QueryContext query = await ResolveAsync(images, fake, "example.org", DnsType.A, inspect: false);
        query.Origin = ResponseOrigin.Cache;

        Inspector(images).Process(query);

        Assert.Equal(ResponseOrigin.Cache, query.Origin);
        Assert.Equal(Verdict.None, query.Decision.Verdict);
    }

    [Fact]
    public async Task Process_DropsResponse_WhenRuleActionIsDrop()
    {
        using var images = new ImageHolder(Image((Trackers with { Action = RuleAction.Drop }, "tracker.example.net\n")));
        await using var fake = await FakeUpstream.StartAsync(b => b
            .WithCname("www.example.org", "tracker.example.net")
            .WithAnswer("tracker.example.net. 60 IN A 198.51.100.7"));

        QueryContext query = await ResolveAsync(images, fake, "www.example.org", DnsType.A);

        Assert.Equal(0, query.ResponseLength);
    }

    [Fact]
    public async Task Process_DoesNotAllocate_OnCleanAnswer()
    {
        using var images = new ImageHolder(Image((Trackers, "tracker.example.net\n"), (new SourceDescriptor("ips", "c2", ListFormat.Ip), "192.0.2.0/24\n")));
        await using var fake = await FakeUpstream.StartAsync(b => b
            .WithCname("www.example.org", "cdn.example.net")
            .WithAnswer("cdn.example.net. 60 IN A 198.51.100.7")
            .WithAnswer("cdn.example.net. 60 IN A 198.51.100.8"));
        QueryContext query = await ResolveAsync(images, fake, "www.example.org", DnsType.A, inspect: false);
        ResponsePolicyStage stage = Inspector(images);
        stage.Process(query);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            stage.Process(query);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(ResponseOrigin.Upstream, query.Origin);
    }

    private static BlocklistImage Image(params (SourceDescriptor Source, string Text)[] sources)
    {
        var compiler = new BlocklistCompiler();
        foreach (var (source, text) in sources)
        {
            compiler.AddSource(source, new StringReader(text));
        }

        return BlocklistImage.FromBytes(compiler.ToArray());
    }

    private static ResponsePolicyStage Inspector(ImageHolder images) => new(images, new PolicyStage(images, new PolicyOptions()));

    /// <summary>Policy stage, then the upstream stage against <paramref name="fake"/>, then (optionally) response inspection.</summary>
    private static async Task<QueryContext> ResolveAsync(ImageHolder images, FakeUpstream fake, string name, DnsType type, bool inspect = true)
    {
        CancellationToken token = TestContext.Current.CancellationToken;
        var policy = new PolicyStage(images, new PolicyOptions());
        QueryContext query = Context(TestQueries.Build(name, type, edns: true));
        Assert.Equal(StageResult.Continue, await policy.ProcessAsync(query, token));
        Assert.Equal(StageResult.Respond, await new UpstreamStage(Pool(fake)).ProcessAsync(query, token));
        Assert.Equal(ResponseOrigin.Upstream, query.Origin);
        if (inspect)
        {
            new ResponsePolicyStage(images, policy).Process(query);
        }

        return query;
    }
}
