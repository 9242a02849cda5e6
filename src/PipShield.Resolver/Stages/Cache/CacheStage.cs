using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Stages.Cache;

/// <summary>
/// Answers queries from <see cref="ResponseCache"/>. Sits after policy (a newly blocked name must not be
/// served from an old entry) and before upstream. Always completes synchronously.
/// </summary>
public sealed class CacheStage(ResponseCache cache) : IQueryStage
{
    public ValueTask<StageResult> ProcessAsync(QueryContext query, CancellationToken cancellationToken) =>
        new(cache.TryWriteHit(query) ? StageResult.Respond : StageResult.Continue);
}
