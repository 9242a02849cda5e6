namespace PipShield.Resolver.Server;

/// <summary>A snapshot of a <see cref="ResolverServer"/>'s counters since it started; each value is read on its own, not atomically with the others.</summary>
public readonly record struct ResolverCounters
{
    /// <summary>Queries received: UDP datagrams and TCP messages.</summary>
    public long Queries { get; init; }

    /// <summary>Responses sent.</summary>
    public long Responses { get; init; }

    /// <summary>Queries not answered by choice: too short to answer, responses sent to us, drop actions.</summary>
    public long Drops { get; init; }

    /// <summary>UDP responses truncated (TC=1) to the client's payload size or <see cref="ResolverServerOptions.MaxUdpResponseSize"/>.</summary>
    public long Truncated { get; init; }

    /// <summary>Queries answered SERVFAIL without processing because <see cref="ResolverServerOptions.MaxQueriesInFlight"/> was reached.</summary>
    public long Overloaded { get; init; }

    /// <summary>Unexpected exceptions and failed sends; each is logged (at most one line per second per listener).</summary>
    public long Errors { get; init; }

    /// <summary>Queries waiting on I/O now.</summary>
    public int QueriesInFlight { get; init; }

    public long TcpConnectionsAccepted { get; init; }

    /// <summary>New TCP connections closed at once because a connection cap was reached and no open connection was idle.</summary>
    public long TcpConnectionsRejected { get; init; }

    public long TcpConnectionsOpen { get; init; }

    /// <summary>TCP connections closed by the server for idling or not reading their replies.</summary>
    public long TcpConnectionsTimedOut { get; init; }

    /// <summary>Idle TCP connections closed to make room for a new one when a connection cap was reached.</summary>
    public long TcpConnectionsEvicted { get; init; }
}
