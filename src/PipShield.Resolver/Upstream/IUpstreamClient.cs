namespace PipShield.Resolver.Upstream;

/// <summary>Sends a query to the configured upstream resolvers and returns a validated reply.</summary>
public interface IUpstreamClient
{
    /// <summary>
    /// Resolves <paramref name="query"/>, a complete DNS query message (its ID is replaced by a random one
    /// on the wire and restored in the reply). A reply is accepted only when its ID, question and source match
    /// (RFC 5452); a truncated UDP reply is retried over TCP.
    /// </summary>
    /// <param name="response">
    /// Receives the reply, with the caller's ID; holds <see cref="UpstreamResult.Length"/> valid bytes on
    /// <see cref="UpstreamStatus.Ok"/> and undefined contents otherwise. Owned by the caller.
    /// </param>
    /// <returns>The outcome; a timeout or a dead upstream is a status, never an exception.</returns>
    /// <exception cref="OperationCanceledException">Only when <paramref name="cancellationToken"/> is cancelled.</exception>
    ValueTask<UpstreamResult> QueryAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken cancellationToken);
}

/// <summary>How an upstream query ended.</summary>
public enum UpstreamStatus : byte
{
    /// <summary>A validated reply of <see cref="UpstreamResult.Length"/> bytes: NOERROR, NXDOMAIN or another final rcode.</summary>
    Ok = 0,

    /// <summary>No upstream answered in time.</summary>
    Timeout = 1,

    /// <summary>Some upstream answered, but only with SERVFAIL, REFUSED, FORMERR or unusable replies.</summary>
    Failed = 2,

    /// <summary>Every attempt failed at the socket (network unreachable, port unreachable, connection refused).</summary>
    NetworkError = 3,
}

/// <summary>The outcome of <see cref="IUpstreamClient.QueryAsync"/>.</summary>
public readonly record struct UpstreamResult(UpstreamStatus Status, int Length);
