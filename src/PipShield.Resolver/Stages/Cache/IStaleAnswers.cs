using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Stages.Cache;

/// <summary>Expired answers kept for when every upstream fails (RFC 8767 serve-stale).</summary>
public interface IStaleAnswers
{
    /// <summary>
    /// Writes a cached answer for <paramref name="query"/> into its response: a fresh one if there is one
    /// (<see cref="ResponseOrigin.Cache"/>), else an expired one still within the stale window, with every TTL set
    /// to the stale answer TTL and, for EDNS clients, Extended DNS Error 3 (<see cref="ResponseOrigin.Stale"/>).
    /// Completes synchronously and allocates nothing.
    /// </summary>
    /// <returns>False, with the response untouched, when nothing usable is cached.</returns>
    bool TryWriteStale(QueryContext query);
}
