using System.Net;
using System.Net.Sockets;

namespace PipShield.Resolver.Upstream;

/// <summary>
/// One upstream resolver and what PipShield has learnt about it: a smoothed round-trip time and its run of
/// failures. Shared by all queries; updates race benignly (a lost sample only slows adaptation a little).
/// </summary>
public sealed class UpstreamServer
{
    // RFC 6298 §2 smoothing: each sample moves the estimate an eighth of the way.
    private const int SrttShift = 3;

    private readonly TimeProvider _time;
    private long _srttMicroseconds;
    private int _samples;
    private int _consecutiveFailures;
    private long _downUntil;
    private long _lastSelected;

    internal UpstreamServer(UpstreamAddress address, TimeProvider time)
    {
        Address = address;
        SocketAddress = address.EndPoint.Serialize();
        _time = time;
    }

    /// <summary>The server as configured: protocol, address, name.</summary>
    public UpstreamAddress Address { get; }

    /// <summary>Where queries go.</summary>
    public IPEndPoint EndPoint => Address.EndPoint;

    /// <summary>Smoothed round-trip time (an exponentially weighted moving average, timeouts counted as long samples); zero before the first exchange.</summary>
    public TimeSpan Srtt => TimeSpan.FromMicroseconds(Volatile.Read(ref _srttMicroseconds));

    /// <summary>Failures since the last usable reply.</summary>
    public int ConsecutiveFailures => Volatile.Read(ref _consecutiveFailures);

    /// <summary>True while the server is skipped after a run of failures (it is still tried when every server is down).</summary>
    public bool IsDown => _time.GetTimestamp() < Volatile.Read(ref _downUntil);

    /// <summary>The endpoint as a socket address, for comparing reply sources without allocating.</summary>
    internal SocketAddress SocketAddress { get; }

    /// <summary>The connection of a DNS-over-TLS server; null for the other protocols.</summary>
    internal TlsUpstream? Tls { get; init; }

    /// <summary>The HTTP client of a DNS-over-HTTPS server; null for the other protocols.</summary>
    internal HttpsUpstream? Https { get; init; }

    internal bool HasSamples => Volatile.Read(ref _samples) > 0;

    internal long SrttMicroseconds => Volatile.Read(ref _srttMicroseconds);

    internal long DownUntil => Volatile.Read(ref _downUntil);

    internal long LastSelected => Volatile.Read(ref _lastSelected);

    internal bool ReachedThreshold(int threshold) => Volatile.Read(ref _consecutiveFailures) >= threshold;

    internal void MarkSelected(long now) => Volatile.Write(ref _lastSelected, now);

    /// <summary>Keeps other queries off a server being probed, unless its state changed since <paramref name="seenDownUntil"/> was read.</summary>
    internal void HoldForProbe(long seenDownUntil, long until) => Interlocked.CompareExchange(ref _downUntil, until, seenDownUntil);

    /// <summary>A usable reply arrived after <paramref name="rtt"/>.</summary>
    /// <returns>True when this reply ends an outage (the server had been marked down).</returns>
    internal bool RecordReply(TimeSpan rtt, int failureThreshold)
    {
        long sample = Math.Max(1, (long)rtt.TotalMicroseconds);
        bool wasDown = Interlocked.Exchange(ref _consecutiveFailures, 0) >= failureThreshold;
        long srtt = Volatile.Read(ref _srttMicroseconds);

        // A first sample, or the first after an outage, replaces the estimate: the timeouts that
        // inflated it say nothing about the server now.
        long next = Interlocked.Increment(ref _samples) == 1 || wasDown ? sample : srtt + ((sample - srtt) >> SrttShift);
        Volatile.Write(ref _srttMicroseconds, next);
        Volatile.Write(ref _downUntil, 0);
        return wasDown;
    }

    /// <summary>An attempt failed; <paramref name="penalty"/> is what it cost (the attempt's timeout for a timeout).</summary>
    /// <returns>True when this failure marks the server down.</returns>
    internal bool RecordFailure(TimeSpan penalty, int failureThreshold, TimeSpan recoveryInterval)
    {
        long cost = Math.Max(1, (long)penalty.TotalMicroseconds);
        long srtt = Volatile.Read(ref _srttMicroseconds);

        // Weigh a failure heavily (half-way to its cost, never lower), so the next query prefers another server.
        long next = Interlocked.Increment(ref _samples) == 1 ? cost : Math.Max(srtt, (srtt + cost) / 2);
        Volatile.Write(ref _srttMicroseconds, next);
        int failures = Interlocked.Increment(ref _consecutiveFailures);
        if (failures < failureThreshold)
        {
            return false;
        }

        // Down (again, if a probe after the recovery interval failed too) for one more interval.
        long until = _time.GetTimestamp() + (long)(recoveryInterval.TotalSeconds * _time.TimestampFrequency);
        Volatile.Write(ref _downUntil, until);
        return failures == failureThreshold;
    }

    public override string ToString() => Address.Text;
}
