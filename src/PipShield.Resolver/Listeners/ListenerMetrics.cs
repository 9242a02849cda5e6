namespace PipShield.Resolver.Listeners;

/// <summary>
/// Counters shared by the listeners of one server. Plain <see cref="Interlocked"/> increments: one receive thread
/// per socket makes them uncontended, and they are read rarely (metrics export, tests).
/// </summary>
internal sealed class ListenerMetrics
{
    private long _queries;
    private long _responses;
    private long _drops;
    private long _truncated;
    private long _overloaded;
    private long _errors;
    private long _tcpAccepted;
    private long _tcpRejected;
    private long _tcpOpen;
    private long _tcpTimedOut;
    private long _tcpEvicted;

    /// <summary>Queries received (UDP datagrams and TCP frames).</summary>
    public long Queries => Volatile.Read(ref _queries);

    /// <summary>Responses sent.</summary>
    public long Responses => Volatile.Read(ref _responses);

    /// <summary>Queries the pipeline chose not to answer (malformed, responses, drop actions).</summary>
    public long Drops => Volatile.Read(ref _drops);

    /// <summary>UDP responses cut to the header, question and OPT with TC=1.</summary>
    public long Truncated => Volatile.Read(ref _truncated);

    /// <summary>Queries answered SERVFAIL without processing because too many were in flight.</summary>
    public long Overloaded => Volatile.Read(ref _overloaded);

    /// <summary>Unexpected exceptions and failed sends; each one is logged.</summary>
    public long Errors => Volatile.Read(ref _errors);

    public long TcpAccepted => Volatile.Read(ref _tcpAccepted);

    /// <summary>TCP connections closed at once because a connection cap was reached.</summary>
    public long TcpRejected => Volatile.Read(ref _tcpRejected);

    public long TcpOpen => Volatile.Read(ref _tcpOpen);

    /// <summary>TCP connections closed for idling or for not reading their responses.</summary>
    public long TcpTimedOut => Volatile.Read(ref _tcpTimedOut);

    /// <summary>Idle TCP connections closed to make room for a new one at a connection cap.</summary>
    public long TcpEvicted => Volatile.Read(ref _tcpEvicted);

    public void Query() => Interlocked.Increment(ref _queries);

    public void Response() => Interlocked.Increment(ref _responses);

    public void Drop() => Interlocked.Increment(ref _drops);

    public void Truncation() => Interlocked.Increment(ref _truncated);

    public void Overload() => Interlocked.Increment(ref _overloaded);

    public void Error() => Interlocked.Increment(ref _errors);

    public void TcpAccept()
    {
        Interlocked.Increment(ref _tcpAccepted);
        Interlocked.Increment(ref _tcpOpen);
    }

    public void TcpClose() => Interlocked.Decrement(ref _tcpOpen);

    public void TcpReject() => Interlocked.Increment(ref _tcpRejected);

    public void TcpTimeout() => Interlocked.Increment(ref _tcpTimedOut);

    public void TcpEviction() => Interlocked.Increment(ref _tcpEvicted);
}
