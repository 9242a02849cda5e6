using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.RateLimit;
using PipShield.Resolver.Tests.Stages.Upstream;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Stages.RateLimit;

public sealed partial class RateLimitStageTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private RateLimitStage Stage(int perSecond = 10, int burst = 5, int slip = 2, int tableSize = 1024, params string[] exempt) =>
        new(new RateLimitOptions { ResponsesPerSecond = perSecond, Burst = burst, Slip = slip, TableSize = tableSize, Exempt = [.. exempt] }, _clock);

    private static StageResult Ask(RateLimitStage stage, string client, Transport transport = Transport.Udp, bool edns = false) =>
        Ask(stage, client, out _, transport, edns);

    private static StageResult Ask(RateLimitStage stage, string client, out QueryContext query, Transport transport = Transport.Udp, bool edns = false)
    {
        query = UpstreamTestKit.Context(TestQueries.Build("www.example.org", DnsType.A, id: 0x4242, edns: edns));
        query.Client = ClientAddress.From(IPAddress.Parse(client));
        query.Transport = transport;
        return stage.ProcessAsync(query, CancellationToken.None).Result;
    }

    private static StageResult[] AskMany(RateLimitStage stage, string client, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => Ask(stage, client))];

    [Fact]
    public void WithinTheBurst_EveryQueryContinues_ThenTheLimitApplies()
    {
        RateLimitStage stage = Stage(burst: 5);

        StageResult[] results = AskMany(stage, "192.0.2.1", 6);

        Assert.All(results[..5], r => Assert.Equal(StageResult.Continue, r));
        Assert.NotEqual(StageResult.Continue, results[5]);
    }

    [Fact]
    public void OverTheLimit_EverySecondResponseIsTruncated_AndTheOthersDropped_ByDefault()
    {
        RateLimitStage stage = Stage(burst: 1, slip: new RateLimitOptions().Slip);
        Assert.Equal(StageResult.Continue, Ask(stage, "192.0.2.1"));

        StageResult[] limited = AskMany(stage, "192.0.2.1", 6);

        Assert.Equal([StageResult.Drop, StageResult.Respond, StageResult.Drop, StageResult.Respond, StageResult.Drop, StageResult.Respond], limited);
        Assert.Equal((3, 3, 6), (stage.Counters.Truncated, stage.Counters.Dropped, stage.Counters.Limited));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheSlippedResponse_IsTheQuestionWithTc_NoRecords_AndNoLargerThanTheQuery(bool edns)
    {
        RateLimitStage stage = Stage(burst: 1, slip: 1);
        Ask(stage, "192.0.2.1", edns: edns);

        Assert.Equal(StageResult.Respond, Ask(stage, "192.0.2.1", out QueryContext query, edns: edns));

        var reply = UpstreamTestKit.Decode(query.ResponseSpan);
        Assert.True(reply.IsTruncated);
        Assert.True(reply.IsQuery == false);
        Assert.Equal(0x4242, reply.TransactionID);
        Assert.Equal(ARSoft.Tools.Net.Dns.ReturnCode.NoError, reply.ReturnCode);
        Assert.Equal("www.example.org.", Assert.Single(reply.Questions).Name.ToString());
        Assert.Empty(reply.AnswerRecords);
        Assert.Empty(reply.AuthorityRecords);
        Assert.Equal(edns, reply.IsEDnsEnabled);
        Assert.True(query.ResponseLength <= query.RequestLength, "a slipped answer must not amplify");
        Assert.Equal(ResponseOrigin.RateLimited, query.Origin);
    }

    [Fact]
    public void SlipZero_DropsEveryLimitedResponse()
    {
        RateLimitStage stage = Stage(burst: 1, slip: 0);
        Ask(stage, "192.0.2.1");

        Assert.All(AskMany(stage, "192.0.2.1", 10), r => Assert.Equal(StageResult.Drop, r));
        Assert.Equal((0, 10), (stage.Counters.Truncated, stage.Counters.Dropped));
    }

    [Fact]
    public void ALimitedPrefix_GetsOneMoreResponse_PerIntervalOfTheRate()
    {
        RateLimitStage stage = Stage(perSecond: 10, burst: 3, slip: 0);
        AskMany(stage, "192.0.2.1", 10);

        _clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(StageResult.Continue, Ask(stage, "192.0.2.1"));
        Assert.Equal(StageResult.Drop, Ask(stage, "192.0.2.1"));

        _clock.Advance(TimeSpan.FromSeconds(1)); // a quiet second refills ten, up to the burst of three
        Assert.Equal([StageResult.Continue, StageResult.Continue, StageResult.Continue, StageResult.Drop], AskMany(stage, "192.0.2.1", 4));
    }

    [Theory]
    [InlineData("192.0.2.1", "192.0.2.254", true)]         // one /24
    [InlineData("192.0.2.1", "192.0.3.1", false)]
    [InlineData("2001:db8:0:1::1", "2001:db8:0:ff::2", true)]  // one /56
    [InlineData("2001:db8:0:1::1", "2001:db8:0:100::1", false)]
    [InlineData("192.0.2.1", "::ffff:192.0.2.9", true)]     // IPv4-mapped reads as IPv4
    public void ClientsInOnePrefix_ShareALimit(string first, string second, bool shared)
    {
        RateLimitStage stage = Stage(burst: 3, slip: 0);
        AskMany(stage, first, 3);

        Assert.Equal(shared ? StageResult.Drop : StageResult.Continue, Ask(stage, second));
    }

    [Fact]
    public void Tcp_IsNeverLimited()
    {
        RateLimitStage stage = Stage(burst: 1, slip: 0);
        AskMany(stage, "192.0.2.1", 5);

        Assert.All(Enumerable.Range(0, 50), _ => Assert.Equal(StageResult.Continue, Ask(stage, "192.0.2.1", Transport.Tcp)));
    }

    [Fact]
    public void ExemptPrefixes_AreNeverLimited_OthersAre()
    {
        RateLimitStage stage = Stage(burst: 1, slip: 0, exempt: ["127.0.0.0/8", "::1/128", "192.0.2.8/29"]);

        Assert.All(AskMany(stage, "127.0.0.1", 50), r => Assert.Equal(StageResult.Continue, r));
        Assert.All(AskMany(stage, "::1", 50), r => Assert.Equal(StageResult.Continue, r));
        Assert.All(AskMany(stage, "192.0.2.9", 50), r => Assert.Equal(StageResult.Continue, r));
        Assert.Equal(StageResult.Drop, AskMany(stage, "192.0.2.1", 2)[1]);
    }

    [Fact]
    public void AFullTable_KeepsHeavySendersLimited_WhileOneOffPrefixesChurn_AndCountsEvictions()
    {
        RateLimitStage stage = Stage(perSecond: 10, burst: 5, slip: 0, tableSize: 64);
        AskMany(stage, "192.0.2.1", 50);
        Assert.Equal(StageResult.Drop, Ask(stage, "192.0.2.1"));

        // 20 000 other /24s, each sending most of a burst: far more prefixes than slots.
        for (int i = 0; i < 20_000; i++)
        {
            string client = $"10.{i >> 8 & 0xFF}.{i & 0xFF}.1";
            AskMany(stage, client, 4);
            Assert.Equal(StageResult.Drop, Ask(stage, "192.0.2.1"));
        }

        Assert.True(stage.Counters.Evictions > 0);
    }

    [Fact]
    public void Process_AllocatesNothing_WhetherAllowedOrLimited()
    {
        var stage = new RateLimitStage(new RateLimitOptions { ResponsesPerSecond = 100, Burst = 100, Slip = 2, TableSize = 256 });
        QueryContext query = UpstreamTestKit.Context(TestQueries.Build("www.example.org", DnsType.A, edns: true));
        ClientAddress[] clients = [.. Enumerable.Range(0, 1000).Select(i => ClientAddress.From(new IPAddress([10, (byte)(i >> 8), (byte)i, 1])))];
        Run(); // warm up: JIT, first slots

        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(stage.Counters.Limited > 0 && stage.Counters.Evictions > 0, "both paths and eviction must have run");

        void Run()
        {
            for (int round = 0; round < 3; round++)
            {
                foreach (ClientAddress client in clients)
                {
                    for (int i = 0; i < 300; i++)
                    {
                        query.Client = client;
                        _ = stage.ProcessAsync(query, CancellationToken.None);
                    }
                }
            }
        }
    }

    [Fact]
    public void Validate_NamesEveryBadKey()
    {
        var options = new RateLimitOptions
        {
            ResponsesPerSecond = -1,
            Burst = 0,
            Slip = 101,
            IPv4PrefixLength = 33,
            IPv6PrefixLength = 8,
            TableSize = 1,
            Exempt = ["127.0.0.0/8", "localhost"],
        };

        string errors = string.Join("\n", options.Validate());

        foreach (string key in new[] { "ResponsesPerSecond", "Burst", "Slip", "IPv4PrefixLength", "IPv6PrefixLength", "TableSize" })
        {
            Assert.Contains($"Resolver:RateLimit:{key}", errors);
        }

        Assert.Contains("Resolver:RateLimit:Exempt:1: 'localhost'", errors);
        Assert.Empty(new RateLimitOptions().Validate());
        Assert.Throws<ArgumentException>(() => new RateLimitStage(options));
        Assert.Throws<ArgumentException>(() => new RateLimitStage(new RateLimitOptions { ResponsesPerSecond = 0 }));
    }

    [Fact]
    public void ReadmeExample_BindsAndValidates()
    {
        string readme = File.ReadAllText(Listeners.ResolverServerOptionsTests.FindRepositoryFile("src/PipShield.Resolver/Stages/RateLimit/README.md"));
        string json = JsonBlock().Match(readme).Groups[1].Value;

        JsonElement section = JsonDocument.Parse(json).RootElement.GetProperty("Resolver").GetProperty("RateLimit");
        var options = section.Deserialize<RateLimitOptions>()!;

        Assert.Empty(options.Validate());
        Assert.Equal((300, 600, 3), (options.ResponsesPerSecond, options.Burst, options.Exempt.Count));
    }

    [GeneratedRegex("```json\\s*(\\{.*?\\})\\s*```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
