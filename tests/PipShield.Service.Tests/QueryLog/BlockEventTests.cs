using System.Net;
using Microsoft.Extensions.Logging;
using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Parsing;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.Policy;
using PipShield.Resolver.Wire;
using PipShield.Service.QueryLog;

using PipShield.Service.Tests.Alerts;

namespace PipShield.Service.Tests.QueryLog;

/// <summary>Every block becomes a structured log event an operator can act on, and a flood cannot flood the log.</summary>
public sealed class BlockEventTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "pipshield-blocks-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Block_IsLoggedWithClientNameTypeListRuleAndAction_EvenWithTheFileOff()
    {
        var logs = new RecordingLoggerProvider();
        ILogger logger = logs.CreateLogger("PipShield.QueryLog");
        using BlocklistImage image = Image();
        QueryLogWriter writer = QueryLogWriter.Start(new QueryLogOptions { Enabled = false }, _folder, logger);

        writer.Queue.Record(await BlockedAsync(image, "www.Phish.example.net", "192.0.2.7"));
        await writer.DisposeAsync();

        RecordingLoggerProvider.Entry block = Assert.Single(logs.Entries, e => e.EventId == 3403);
        Assert.Equal(LogLevel.Information, block.Level);
        Assert.Equal("www.Phish.example.net", block.State["Name"]);
        Assert.Equal("A", block.State["QType"]);
        Assert.Equal("192.0.2.7", block.State["Client"]);
        Assert.Equal("no enrolled device", block.State["Device"]);
        Assert.Equal("phishing", block.State["Category"]);
        Assert.Equal("test-feed", block.State["Source"]);
        Assert.Equal("Phish.example.net", block.State["Rule"]);
        Assert.Equal("sinkhole", block.State["Action"]);
        Assert.False(File.Exists(Path.Combine(_folder, "queries.jsonl")));
    }

    [Fact]
    public async Task Block_FromAnEnrolledDevice_NamesTheDevice_NotItsId()
    {
        var logs = new RecordingLoggerProvider();
        ILogger logger = logs.CreateLogger("PipShield.QueryLog");
        using BlocklistImage image = Image();
        QueryLogWriter writer = QueryLogWriter.Start(new QueryLogOptions { Enabled = false }, _folder, logger);
        QueryContext query = await BlockedAsync(image, "phish.example.net", "192.0.2.7");
        query.Device = new DeviceIdentity("abcdefghijklmnopqrst", "Sam's phone");

        writer.Queue.Record(query);
        await writer.DisposeAsync();

        RecordingLoggerProvider.Entry block = Assert.Single(logs.Entries, e => e.EventId == 3403);
        Assert.Equal("Sam's phone", block.State["Device"]);
        Assert.DoesNotContain(block.State.Values, v => v?.ToString()?.Contains("abcdefghijklmnopqrst", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task BlockFlood_IsSummarised_WithEverySuppressedEventCounted()
    {
        const int Blocks = 100;
        var logs = new RecordingLoggerProvider();
        ILogger logger = logs.CreateLogger("PipShield.QueryLog");
        using BlocklistImage image = Image();
        QueryLogWriter writer = QueryLogWriter.Start(new QueryLogOptions { Enabled = false }, _folder, logger);

        QueryContext query = await BlockedAsync(image, "phish.example.net", "192.0.2.7");
        for (int i = 0; i < Blocks; i++)
        {
            writer.Queue.Record(query);
        }

        await writer.DisposeAsync();

        int logged = logs.Entries.Count(e => e.EventId == 3403);
        long suppressed = logs.Entries.Where(e => e.EventId == 3404).Sum(e => Convert.ToInt64(e.State["Count"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(logged < Blocks, $"{logged} block events for a flood of {Blocks}");
        Assert.Equal(Blocks, logged + suppressed);
    }

    private static BlocklistImage Image()
    {
        var compiler = new BlocklistCompiler();
        compiler.AddSource(new SourceDescriptor("test-feed", "phishing", ListFormat.Domains), new StringReader("phish.example.net\n"));
        return BlocklistImage.FromBytes(compiler.ToArray());
    }

    /// <summary>A query for <paramref name="name"/> run through the real policy stage, as the pipeline would.</summary>
    private static async Task<QueryContext> BlockedAsync(BlocklistImage image, string name, string client)
    {
        var labels = name.Split('.').SelectMany(l => new[] { (byte)l.Length }.Concat(System.Text.Encoding.ASCII.GetBytes(l)));
        byte[] packet = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, .. labels, 0, 0, 1, 0, 1];
        var query = new QueryContext();
        query.Reset();
        packet.CopyTo(query.Request, 0);
        query.RequestLength = packet.Length;
        QueryParser.Parse(packet, out QueryInfo info);
        query.Query = info;
        query.Client = ClientAddress.From(IPAddress.Parse(client));
        var images = new ImageHolder(image);
        StageResult result = await new PolicyStage(images, new PolicyOptions()).ProcessAsync(query, CancellationToken.None);
        Assert.Equal(StageResult.Respond, result);
        return query;
    }
}
