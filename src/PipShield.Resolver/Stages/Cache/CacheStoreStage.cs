using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Stages.Cache;

/// <summary>
/// Stores upstream responses in <see cref="ResponseCache"/>. Runs after response policy, so an answer that
/// policy rewrote (its origin is no longer upstream) is never cached.
/// </summary>
public sealed class CacheStoreStage(ResponseCache cache) : IResponseStage
{
    public void Process(QueryContext query)
    {
        if (query.Origin == ResponseOrigin.Upstream)
        {
            cache.TryInsert(query);
        }
    }
}
