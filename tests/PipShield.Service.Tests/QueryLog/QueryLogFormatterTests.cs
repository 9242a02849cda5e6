using System.Net;
using System.Text.Json;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.QueryLog;
using PipShield.Resolver.Wire;
using PipShield.Service.QueryLog;

namespace PipShield.Service.Tests.QueryLog;

/// <summary>Whatever bytes a client puts in a name, its query log line is one valid JSON object.</summary>
public sealed class QueryLogFormatterTests
{
    [Theory]
    [InlineData(new byte[] { 3, (byte)'a', (byte)'"', (byte)'b', 7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 0 }, "a\\\"b.example")]
    [InlineData(new byte[] { 3, (byte)'c', (byte)'\\', (byte)'d', 3, (byte)'e', (byte)'.', (byte)'f', 0 }, "c\\\\d.e\\.f")]
    [InlineData(new byte[] { 4, 0, 0xFF, (byte)'\n', (byte)'}', 3, (byte)'o', (byte)'r', (byte)'g', 0 }, "\\000\\255\\010}.org")]
    [InlineData(new byte[] { 2, (byte)'<', (byte)'>', 1, 0x7F, 0 }, "<>.\\127")]
    [InlineData(new byte[] { 0 }, ".")]
    public void HostileName_ComesOutAsValidJson_EscapedAsAMasterFileWouldBe(byte[] wireName, string presentation)
    {
        var queue = new QueryLogQueue(blocksOnly: false, anonymize: false, capacity: 2);
        queue.Record(Context(wireName));
        Assert.True(queue.TryRead(out QueryLogEntry entry));

        ReadOnlySpan<byte> line = new QueryLogFormatter().Format(entry);

        Assert.Equal((byte)'\n', line[^1]);
        Assert.DoesNotContain((byte)'\n', line[..^1].ToArray());
        using JsonDocument json = JsonDocument.Parse(line[..^1].ToArray());
        Assert.Equal(presentation, json.RootElement.GetProperty("name").GetString());
        Assert.Equal("TYPE4660", json.RootElement.GetProperty("type").GetString());
        Assert.Equal("192.0.2.10", json.RootElement.GetProperty("client").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("rcode").ValueKind); // nothing was sent
        Assert.Equal("dropped", json.RootElement.GetProperty("result").GetString());
    }

    private static QueryContext Context(byte[] wireName)
    {
        byte[] header = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        byte[] packet = [.. header, .. wireName, 0x12, 0x34, 0, 1]; // type 4660, class IN
        var query = new QueryContext();
        query.Reset();
        packet.CopyTo(query.Request, 0);
        query.RequestLength = packet.Length;
        Assert.Equal(QueryParseStatus.Ok, QueryParser.Parse(packet, out QueryInfo info));
        query.Query = info;
        query.Client = ClientAddress.From(IPAddress.Parse("192.0.2.10"));
        return query;
    }
}
