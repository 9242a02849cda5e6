namespace PipShield.Resolver.Pipeline;

/// <summary>One step of query processing. Stages run in the order fixed by <see cref="PipelineBuilder"/>.</summary>
public interface IQueryStage
{
    /// <returns><see cref="StageResult.Continue"/> to pass the query on; <see cref="StageResult.Respond"/> when
    /// <paramref name="query"/> now holds the response; <see cref="StageResult.Drop"/> to send nothing.</returns>
    /// <remarks>Completes synchronously for cache hits and block decisions; only upstream I/O awaits.</remarks>
    ValueTask<StageResult> ProcessAsync(QueryContext query, CancellationToken cancellationToken);
}

/// <summary>
/// A step that looks at a response before it is sent (response policy, cache insert, metrics). Runs for
/// every response, whichever request stage produced it; synchronous.
/// </summary>
public interface IResponseStage
{
    void Process(QueryContext query);
}
