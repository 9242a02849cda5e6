namespace PipShield.Resolver.Listeners;

/// <summary>
/// Lets one log line through per interval and counts the rest, so a fault that repeats on every packet cannot
/// flood the log or slow the receive loop. Thread-safe; keep it in a field, it is a mutable struct.
/// </summary>
public struct LogLimiter
{
    private const long IntervalMilliseconds = 1000;

    private long _nextAllowed;
    private long _suppressed;

    /// <summary>True when a line may be logged now; <paramref name="suppressed"/> is how many were held back since the last one.</summary>
    public bool TryEnter(out long suppressed)
    {
        long now = Environment.TickCount64;
        long next = Volatile.Read(ref _nextAllowed);
        if (now >= next && Interlocked.CompareExchange(ref _nextAllowed, now + IntervalMilliseconds, next) == next)
        {
            suppressed = Interlocked.Exchange(ref _suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref _suppressed);
        suppressed = 0;
        return false;
    }
}
