using PipShield.Resolver.QueryLog;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Pipeline;

/// <summary>
/// Runs request stages in order until one responds or drops, then every response stage. A stage that
/// throws turns into SERVFAIL and one log line; the listener never sees the exception. Every finished query,
/// answered or dropped, then goes to the query log, if there is one.
/// </summary>
public sealed class QueryPipeline(IQueryStage[] requestStages, IResponseStage[] responseStages, Action<Exception>? onStageFault = null,
    IQueryLog? queryLog = null)
{
    /// <summary>Processes the query in <paramref name="query"/>.</summary>
    /// <returns>True when <paramref name="query"/> holds a response to send.</returns>
    public ValueTask<bool> ProcessAsync(QueryContext query, CancellationToken cancellationToken)
    {
        // Walk the stages synchronously while they complete synchronously (cache hits, blocks): no state machine.
        for (int i = 0; i < requestStages.Length; i++)
        {
            ValueTask<StageResult> pending;
            try
            {
                pending = requestStages[i].ProcessAsync(query, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return new ValueTask<bool>(Fault(query, ex));
            }

            if (!pending.IsCompletedSuccessfully)
            {
                return ContinueAsync(query, pending, i, cancellationToken);
            }

            StageResult result = pending.Result;
            if (result != StageResult.Continue)
            {
                return new ValueTask<bool>(Finish(query, result));
            }
        }

        return new ValueTask<bool>(Finish(query, query.RespondWithError(Rcode.ServFail)));
    }

    private async ValueTask<bool> ContinueAsync(QueryContext query, ValueTask<StageResult> pending, int index, CancellationToken cancellationToken)
    {
        try
        {
            StageResult result = await pending.ConfigureAwait(false);
            for (int i = index + 1; result == StageResult.Continue && i < requestStages.Length; i++)
            {
                result = await requestStages[i].ProcessAsync(query, cancellationToken).ConfigureAwait(false);
            }

            return Finish(query, result == StageResult.Continue ? query.RespondWithError(Rcode.ServFail) : result);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Fault(query, ex);
        }
    }

    private bool Finish(QueryContext query, StageResult result)
    {
        if (result == StageResult.Drop)
        {
            queryLog?.Record(query); // a block whose action is to drop is still a block
            return false;
        }

        for (int i = 0; i < responseStages.Length; i++)
        {
            try
            {
                responseStages[i].Process(query);
            }
            catch (Exception ex)
            {
                onStageFault?.Invoke(ex);
            }
        }

        // Last: after response policy, so the log shows what the client is actually sent.
        queryLog?.Record(query);
        return query.ResponseLength > 0;
    }

    private bool Fault(QueryContext query, Exception ex)
    {
        onStageFault?.Invoke(ex);
        return query.Query.Id != 0 || query.RequestLength >= DnsHeader.Size
            ? Finish(query, query.RespondWithError(Rcode.ServFail))
            : false;
    }
}
