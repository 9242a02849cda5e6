using System.Collections.Concurrent;
using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Listeners;

/// <summary>
/// Query contexts shared by every listener of a server, with a soft cap on how many are out at once. Each context
/// holds 128 KiB of buffers, so the cap is what bounds memory when an upstream stalls and queries pile up.
/// </summary>
/// <remarks>
/// Listeners ask <see cref="IsExhausted"/> before starting a query and answer SERVFAIL when it is true; <see cref="Rent"/>
/// itself always succeeds, so the count can pass the cap by at most one per concurrent caller (receive threads and
/// TCP connections). Thread-safe.
/// </remarks>
internal sealed class QueryContextPool(int capacity)
{
    private readonly ConcurrentQueue<QueryContext> _idle = new();
    private int _outstanding;
    private int _idleCount;

    /// <summary>The cap on contexts out at once.</summary>
    public int Capacity => capacity;

    /// <summary>Contexts rented and not yet returned.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>True when a new query must not start.</summary>
    public bool IsExhausted => Volatile.Read(ref _outstanding) >= capacity;

    /// <summary>A reset context; reuses an idle one when there is one.</summary>
    public QueryContext Rent()
    {
        Interlocked.Increment(ref _outstanding);
        if (_idle.TryDequeue(out QueryContext? context))
        {
            Interlocked.Decrement(ref _idleCount);
            return context;
        }

        return new QueryContext();
    }

    /// <summary>Takes back a context rented with <see cref="Rent"/>; the caller must not touch it afterwards.</summary>
    public void Return(QueryContext context)
    {
        context.Reset();
        Interlocked.Decrement(ref _outstanding);

        // Keep at most a cap's worth idle: a burst of slow queries does not pin its memory forever.
        if (Interlocked.Increment(ref _idleCount) <= capacity)
        {
            _idle.Enqueue(context);
        }
        else
        {
            Interlocked.Decrement(ref _idleCount);
        }
    }
}
