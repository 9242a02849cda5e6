using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.QueryLog;

/// <summary>
/// Receives every query the pipeline finished (answered or deliberately dropped), just before the listener
/// sends the reply. Called on the query path: an implementation must not block, allocate or throw, and
/// must copy what it keeps, because the listener reuses the context for the next query.
/// </summary>
public interface IQueryLog
{
    void Record(QueryContext query);
}
