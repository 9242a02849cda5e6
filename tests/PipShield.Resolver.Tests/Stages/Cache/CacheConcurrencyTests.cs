using System.Buffers.Binary;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.Cache;
using PipShield.Resolver.Wire;
using static PipShield.Resolver.Tests.Stages.Cache.CacheTestMessages;

namespace PipShield.Resolver.Tests.Stages.Cache;

public sealed class CacheConcurrencyTests
{
    [Fact]
    public async Task ConcurrentReadersAndWriters_NeverServeAWrongOrBrokenAnswer()
    {
        const int threads = 6;
        const int operations = 20_000;
        ResponseCache cache = NewCache(NewClock(), o => o.MaxEntries = 200, shards: 4);
        byte[][] queries = [.. Enumerable.Range(0, 400).Select(i => Query($"n{i}.example.org", i % 3 == 0 ? DnsType.AAAA : DnsType.A, id: (ushort)i))];
        byte[][] answers = [.. queries.Select((q, i) => Answer(q, ttl: 3600, marker: (byte)i, count: 1 + (i % 4)))];
        int hits = 0;

        Task[] workers = [.. Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            var random = new Random(t);
            var context = new QueryContext();
            for (int n = 0; n < operations; n++)
            {
                int i = random.Next(queries.Length);
                byte[] query = queries[i];
                context.Reset();
                query.CopyTo(context.Request, 0);
                context.RequestLength = query.Length;
                QueryParser.Parse(context.RequestSpan, out QueryInfo info);
                context.Query = info;
                if (random.Next(4) == 0)
                {
                    answers[i].CopyTo(context.Response, 0);
                    context.ResponseLength = answers[i].Length;
                    cache.TryInsert(context);
                }
                else if (cache.TryWriteHit(context))
                {
                    Interlocked.Increment(ref hits);
                    byte[] expected = answers[i];
                    Assert.Equal(expected.Length, context.ResponseLength);
                    Assert.Equal((ushort)i, BinaryPrimitives.ReadUInt16BigEndian(context.Response));
                    Assert.Equal(expected.AsSpan(2), context.Response.AsSpan(2, expected.Length - 2)); // the clock stands still: same TTLs too
                }
            }
        }, TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default))];
        await Task.WhenAll(workers);

        Assert.True(hits > 0);
        Assert.True(cache.Count <= 200, $"{cache.Count} entries");
        Assert.Equal(cache.Metrics.Hits, hits);
    }
}
