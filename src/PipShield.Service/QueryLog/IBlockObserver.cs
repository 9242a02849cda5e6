using PipShield.Resolver.QueryLog;

namespace PipShield.Service.QueryLog;

/// <summary>
/// Sees each blocked query the <see cref="QueryLogWriter"/> takes from the queue, on the writer's background
/// task, whether or not the query log file is on. Off the query path: it may allocate, but should be quick.
/// </summary>
internal interface IBlockObserver
{
    void OnBlocked(in QueryLogEntry entry);
}
