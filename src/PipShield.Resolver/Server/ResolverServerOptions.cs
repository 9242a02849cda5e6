using System.ComponentModel.DataAnnotations;
using System.Net;
using PipShield.Resolver.Listeners.Tls;

namespace PipShield.Resolver.Server;

/// <summary>Where PipShield listens for DNS over UDP and TCP, and the limits that keep one client from starving others.</summary>
public sealed class ResolverServerOptions
{
    public const string SectionName = "Resolver:Server";

    /// <summary>The addresses listened on when <see cref="ListenEndPoints"/> is empty: every IPv4 and IPv6 interface, port 53.</summary>
    public static IReadOnlyList<string> DefaultListenEndPoints { get; } = ["0.0.0.0:53", "[::]:53"];

    /// <summary>
    /// Addresses to serve as <c>ADDR[:PORT]</c> (<c>[v6]:port</c> for IPv6 with a port; port 53 when absent); each gets a
    /// UDP and a TCP listener on the same port. Port 0 picks a free port, the same for UDP and TCP. Default empty,
    /// meaning <see cref="DefaultListenEndPoints"/>; an empty default, because configuration binding appends to a pre-filled list.
    /// </summary>
    public List<string> ListenEndPoints { get; set; } = [];

    /// <summary>
    /// Addresses to serve DNS-over-TLS on (RFC 7858), as <c>ADDR[:PORT]</c>, port 853 when absent. Used only when
    /// <see cref="Tls"/> names a certificate. Default empty: no DoT (the service host fills in its own default).
    /// </summary>
    public List<string> TlsEndPoints { get; set; } = [];

    /// <summary>The certificate for DNS-over-TLS and DNS-over-HTTPS, and the host name device IDs go in front of. Default none.</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>Threads running the synchronous receive loop on each UDP socket. Default 1.</summary>
    [Range(1, 64)]
    public int UdpReceiveThreads { get; set; } = 1;

    /// <summary>
    /// Largest UDP response sent whatever the client advertises; larger ones are truncated (TC=1) so the client retries
    /// over TCP. Default 1232 (DNS Flag Day 2020: no IP fragmentation).
    /// </summary>
    [Range(512, 65507)]
    public int MaxUdpResponseSize { get; set; } = 1232;

    /// <summary>
    /// Queries being processed or waiting on I/O (upstream) at once, over all listeners; each holds 128 KiB of buffers.
    /// Past it, new queries get SERVFAIL at once. <c>ResolverEngine</c> lets upstream waits take three quarters of
    /// them, so queries answered at once (cache hits, blocks) always find one. Default 1024.
    /// </summary>
    [Range(16, 65536)]
    public int MaxQueriesInFlight { get; set; } = 1024;

    /// <summary>
    /// Open TCP connections over all clients. A new connection past it closes the connection idle the longest (no
    /// query in flight), and is itself closed at once only when none is idle. Default 1000.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxTcpConnections { get; set; } = 1000;

    /// <summary>
    /// Open TCP connections from one client address. A new one past it closes that client's connection idle the
    /// longest, and is itself closed at once only when none of them is idle. Default 32.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxTcpConnectionsPerClient { get; set; } = 32;

    /// <summary>
    /// A TCP connection with no query in flight and no complete query received for this long is closed (RFC 7766
    /// §6.2.3); a client sending a message byte by byte is idle too. Default 5 seconds.
    /// </summary>
    public TimeSpan TcpIdleTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The endpoints in effect: <see cref="ListenEndPoints"/>, or <see cref="DefaultListenEndPoints"/> when it is empty.</summary>
    public IReadOnlyList<string> EffectiveListenEndPoints => ListenEndPoints.Count > 0 ? ListenEndPoints : DefaultListenEndPoints;

    /// <summary>Reads <c>ADDR[:PORT]</c>; port 53 when absent.</summary>
    public static bool TryParseEndPoint(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPEndPoint? endPoint) =>
        TryParseEndPoint(text, 53, out endPoint);

    /// <summary>Reads <c>ADDR[:PORT]</c>; port <paramref name="defaultPort"/> when absent.</summary>
    public static bool TryParseEndPoint(string text, int defaultPort, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        text = text.Trim();
        if (IPAddress.TryParse(text, out IPAddress? address) && !text.StartsWith('['))
        {
            endPoint = new IPEndPoint(address, defaultPort); // a bare address, IPv6 ones included ("::1")
            return true;
        }

        if (text.StartsWith('[') && text.EndsWith(']') && IPAddress.TryParse(text[1..^1], out address))
        {
            endPoint = new IPEndPoint(address, defaultPort);
            return true;
        }

        return IPEndPoint.TryParse(text, out endPoint);
    }

    /// <summary>Checks the rules that attributes cannot express, and the ranges for callers that skip attribute validation.</summary>
    /// <returns>One message per problem, each naming its key; empty when the options are usable.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        IReadOnlyList<string> endPoints = EffectiveListenEndPoints;
        for (int i = 0; i < endPoints.Count; i++)
        {
            if (!TryParseEndPoint(endPoints[i], out _))
            {
                errors.Add($"{SectionName}:ListenEndPoints:{i}: '{endPoints[i]}' is not ADDR[:PORT]");
            }
        }

        for (int i = 0; i < TlsEndPoints.Count; i++)
        {
            if (!TryParseEndPoint(TlsEndPoints[i], 853, out _))
            {
                errors.Add($"{SectionName}:TlsEndPoints:{i}: '{TlsEndPoints[i]}' is not ADDR[:PORT]");
            }
        }

        errors.AddRange(Tls.Validate(SectionName + ":Tls"));
        Check(errors, nameof(UdpReceiveThreads), UdpReceiveThreads, 1, 64);
        Check(errors, nameof(MaxUdpResponseSize), MaxUdpResponseSize, 512, 65507);
        Check(errors, nameof(MaxQueriesInFlight), MaxQueriesInFlight, 16, 65536);
        Check(errors, nameof(MaxTcpConnections), MaxTcpConnections, 1, 100_000);
        Check(errors, nameof(MaxTcpConnectionsPerClient), MaxTcpConnectionsPerClient, 1, 10_000);
        if (MaxTcpConnectionsPerClient > MaxTcpConnections)
        {
            errors.Add($"{SectionName}:MaxTcpConnectionsPerClient: must not exceed MaxTcpConnections ({MaxTcpConnections}), not {MaxTcpConnectionsPerClient}");
        }

        if (TcpIdleTimeout < TimeSpan.FromMilliseconds(100) || TcpIdleTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{SectionName}:TcpIdleTimeout: must be 0.1 seconds to 10 minutes, not {TcpIdleTimeout}");
        }

        return errors;
    }

    private static void Check(List<string> errors, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{SectionName}:{key}: must be {min} to {max}, not {value}");
        }
    }
}
