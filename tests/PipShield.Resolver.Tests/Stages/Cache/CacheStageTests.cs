using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.Cache;
using static PipShield.Resolver.Tests.Stages.Cache.CacheTestMessages;

namespace PipShield.Resolver.Tests.Stages.Cache;

public sealed class CacheStageTests
{
    [Fact]
    public async Task Stages_StoreUpstreamAnswers_AndAnswerTheNextQuery()
    {
        ResponseCache cache = NewCache(NewClock());
        var lookup = new CacheStage(cache);
        var store = new CacheStoreStage(cache);
        byte[] query = Query("example.org");

        QueryContext first = Context(query);
        Assert.Equal(StageResult.Continue, await lookup.ProcessAsync(first, TestContext.Current.CancellationToken));
        byte[] answer = Answer(query, ttl: 300);
        answer.CopyTo(first.Response, 0);
        first.ResponseLength = answer.Length;
        first.Origin = ResponseOrigin.Upstream;
        store.Process(first);

        QueryContext second = Context(Query("example.org", id: 7));
        ValueTask<StageResult> pending = lookup.ProcessAsync(second, TestContext.Current.CancellationToken);
        Assert.True(pending.IsCompletedSuccessfully);
        Assert.Equal(StageResult.Respond, await pending);
        Assert.Equal(ResponseOrigin.Cache, second.Origin);
        Assert.Equal(7, Decode(second).TransactionID);
    }

    [Theory]
    [InlineData(ResponseOrigin.Blocked)]
    [InlineData(ResponseOrigin.Cache)]
    [InlineData(ResponseOrigin.Stale)]
    [InlineData(ResponseOrigin.Error)]
    public void StoreStage_IgnoresResponsesNotFromUpstream(ResponseOrigin origin)
    {
        ResponseCache cache = NewCache(NewClock());
        byte[] query = Query("example.org");
        QueryContext context = Context(query);
        byte[] answer = Answer(query, ttl: 300);
        answer.CopyTo(context.Response, 0);
        context.ResponseLength = answer.Length;
        context.Origin = origin;

        new CacheStoreStage(cache).Process(context);

        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void DefaultOptions_MakeAPowerOfTwoShardCount()
    {
        var cache = new ResponseCache(new CacheOptions());

        Assert.True(System.Numerics.BitOperations.IsPow2(cache.ShardCount));
        Assert.True(new CacheOptions().MaxEntries / cache.ShardCount >= 1000);
    }
}
