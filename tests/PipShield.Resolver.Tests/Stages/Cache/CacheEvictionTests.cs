using PipShield.Resolver.Stages.Cache;
using static PipShield.Resolver.Tests.Stages.Cache.CacheTestMessages;

namespace PipShield.Resolver.Tests.Stages.Cache;

public sealed class CacheEvictionTests
{
    [Fact]
    public void HotNames_SurviveAFloodOfOneOffNames_WherePlainLruLosesThem()
    {
        const int capacity = 1000;
        ResponseCache cache = NewCache(NewClock(), o => o.MaxEntries = capacity);
        var lru = new LruModel(capacity);
        string[] hot = [.. Enumerable.Range(0, 200).Select(i => $"hot{i}.example.org")];

        // Warm up: the working set is read a few times, as a client population would.
        for (int pass = 0; pass < 3; pass++)
        {
            foreach (string name in hot)
            {
                Read(cache, name);
                lru.Read(name);
            }
        }

        // Then each hot name comes back only after 1 500 one-off names: more than the cache holds.
        int cacheHits = 0;
        int lruHits = 0;
        int oneOff = 0;
        const int rounds = 10;
        for (int round = 0; round <= rounds; round++)
        {
            foreach (string name in hot)
            {
                bool cacheHit = Read(cache, name);
                bool lruHit = lru.Read(name);
                if (round > 0) // counted from the first read after a flood
                {
                    cacheHits += cacheHit ? 1 : 0;
                    lruHits += lruHit ? 1 : 0;
                }
            }

            for (int i = 0; i < 1500; i++, oneOff++)
            {
                string name = $"scan{oneOff}.example.net";
                Read(cache, name);
                lru.Read(name);
            }
        }

        double cacheRatio = cacheHits / (double)(rounds * hot.Length);
        double lruRatio = lruHits / (double)(rounds * hot.Length);
        Assert.True(cacheRatio > 0.95, $"S3-FIFO hot hit ratio {cacheRatio:P0}");
        Assert.True(lruRatio < 0.01, $"LRU hot hit ratio {lruRatio:P0}");
        Assert.True(cache.Count <= capacity);
    }

    [Fact]
    public void Size_StaysWithinMaxEntries()
    {
        ResponseCache cache = NewCache(NewClock(), o => o.MaxEntries = 1000, shards: 4);
        for (int i = 0; i < 5000; i++)
        {
            Read(cache, $"n{i}.example.org");
        }

        Assert.True(cache.Count <= 1000, $"{cache.Count} entries");
        Assert.True(cache.Count >= 900, $"{cache.Count} entries");
        Assert.Equal(5000 - cache.Count, cache.Metrics.Evictions);
    }

    [Fact]
    public void Size_StaysWithinMaxBytes()
    {
        ResponseCache cache = NewCache(NewClock(), o => o.MaxBytes = 20_000);
        for (int i = 0; i < 2000; i++)
        {
            Read(cache, $"n{i}.example.org");
        }

        Assert.True(cache.SizeBytes <= 20_000, $"{cache.SizeBytes} bytes");
        Assert.True(cache.Count > 50, $"{cache.Count} entries");
    }

    [Fact]
    public void Clear_RemovesEverything()
    {
        ResponseCache cache = NewCache(NewClock(), shards: 2);
        for (int i = 0; i < 10; i++)
        {
            Read(cache, $"n{i}.example.org");
        }

        Assert.Equal(10, cache.Clear());
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.SizeBytes);
        Assert.Null(Hit(cache, Query("n1.example.org")));
    }

    /// <summary>A read through the cache: a hit, or a miss followed by inserting the upstream's answer.</summary>
    private static bool Read(ResponseCache cache, string name)
    {
        byte[] query = Query(name);
        if (cache.TryWriteHit(Context(query)))
        {
            return true;
        }

        Assert.Equal(CacheInsertOutcome.Inserted, Insert(cache, query, Answer(query, ttl: 3600)));
        return false;
    }

    /// <summary>Plain LRU of the same capacity, for comparison.</summary>
    private sealed class LruModel(int capacity)
    {
        private readonly LinkedList<string> _order = new();
        private readonly Dictionary<string, LinkedListNode<string>> _nodes = [];

        public bool Read(string name)
        {
            if (_nodes.TryGetValue(name, out LinkedListNode<string>? node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                return true;
            }

            _nodes[name] = _order.AddFirst(name);
            if (_order.Count > capacity)
            {
                _nodes.Remove(_order.Last!.Value);
                _order.RemoveLast();
            }

            return false;
        }
    }
}
