using System.Net;
using PipShield.Blocklist.Names;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.QueryLog;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.QueryLog;

/// <summary>The ring between the query path and the log writer: it must never wait, and must count what it drops.</summary>
public sealed class QueryLogQueueTests
{
    [Fact]
    public void Record_WhenFull_DropsAndCounts_AndKeepsTheOldestEntries()
    {
        var queue = new QueryLogQueue(blocksOnly: false, anonymize: false, capacity: 4);

        for (int i = 0; i < 10; i++)
        {
            queue.Record(Context($"q{i}.example.org"));
        }

        Assert.Equal(6, queue.Dropped);
        Assert.Equal(["q0.example.org", "q1.example.org", "q2.example.org", "q3.example.org"], ReadAll(queue));
        queue.Record(Context("after.example.org"));
        Assert.Equal(["after.example.org"], ReadAll(queue));
        Assert.Equal(6, queue.Dropped);
    }

    [Fact]
    public void Record_FromManyThreadsWithNoReader_ReturnsAndAccountsForEveryQuery()
    {
        const int Threads = 4;
        const int PerThread = 5_000;
        var queue = new QueryLogQueue(blocksOnly: false, anonymize: false, capacity: 1024);

        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            QueryContext query = Context($"t{t}.example.org");
            for (int i = 0; i < PerThread; i++)
            {
                queue.Record(query);
            }
        });

        int kept = ReadAll(queue).Count;
        Assert.Equal(1024, kept);
        Assert.Equal(Threads * PerThread, kept + queue.Dropped);
    }

    [Fact]
    public void Record_WithBlocksOnly_SkipsQueriesThatWereNotBlocked()
    {
        var queue = new QueryLogQueue(blocksOnly: true, anonymize: false, capacity: 8);

        queue.Record(Context("www.example.org"));

        Assert.Empty(ReadAll(queue));
        Assert.Equal(0, queue.Dropped);
    }

    [Fact]
    public void Record_SkipsPacketsWithoutAQuestion()
    {
        var queue = new QueryLogQueue(blocksOnly: false, anonymize: false, capacity: 8);
        var query = new QueryContext();
        query.Reset();

        queue.Record(query);

        Assert.False(queue.TryRead(out _));
    }

    [Theory]
    [InlineData("192.0.2.77", true, "192.0.2.0")]
    [InlineData("192.0.2.77", false, "192.0.2.77")]
    [InlineData("2001:db8:1234:5678::9", true, "2001:db8:1234::")]
    [InlineData("2001:db8:1234:5678::9", false, "2001:db8:1234:5678::9")]
    [InlineData("::ffff:192.0.2.77", true, "192.0.2.0")]
    public void Record_MasksTheClient_WhenAnonymising(string client, bool anonymize, string logged)
    {
        var queue = new QueryLogQueue(blocksOnly: false, anonymize, capacity: 8);

        queue.Record(Context("www.example.org", IPAddress.Parse(client)));

        Assert.True(queue.TryRead(out QueryLogEntry entry));
        Assert.Equal(logged, entry.Client.ToString());
    }

    internal static QueryContext Context(string name, IPAddress? client = null)
    {
        var query = new QueryContext();
        query.Reset();
        byte[] packet = TestQueries.Build(name, DnsType.A);
        packet.CopyTo(query.Request, 0);
        query.RequestLength = packet.Length;
        Assert.Equal(QueryParseStatus.Ok, QueryParser.Parse(packet, out QueryInfo info));
        query.Query = info;
        query.Client = ClientAddress.From(client ?? IPAddress.Parse("192.0.2.10"));
        return query;
    }

    private static List<string> ReadAll(QueryLogQueue queue)
    {
        var names = new List<string>();
        for (int i = 0; i < queue.Capacity + 1 && queue.TryRead(out QueryLogEntry entry); i++)
        {
            names.Add(Text(entry.QName));
        }

        return names;
    }

    internal static string Text(ReadOnlySpan<byte> wireName)
    {
        var labels = new List<string>();
        for (int i = 0; i < wireName.Length && wireName[i] != 0; i += 1 + wireName[i])
        {
            labels.Add(System.Text.Encoding.ASCII.GetString(wireName.Slice(i + 1, wireName[i])));
        }

        return string.Join('.', labels);
    }
}
