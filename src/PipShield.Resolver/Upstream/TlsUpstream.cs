using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;

namespace PipShield.Resolver.Upstream;

/// <summary>
/// One DNS-over-TLS upstream (RFC 7858): every query goes over one long-lived connection, pipelined (RFC 7766 §6.2.1.1),
/// so the TCP and TLS handshakes are paid once, not per query. The connection is opened on first use and again after
/// it closes (servers close idle connections); a query whose reused connection closes under it is sent once more on a
/// fresh one, which is what RFC 7766 §6.2.3 asks of clients.
/// </summary>
internal sealed class TlsUpstream : IDisposable
{
    private readonly UpstreamAddress _address;
    private readonly SslClientAuthenticationOptions _authentication;
    private readonly TimeSpan _connectTimeout;
    private readonly ILogger? _logger;
    private readonly Lock _gate = new();
    private TlsUpstreamConnection? _connection;
    private Task<TlsUpstreamConnection>? _connecting;
    private long _connections;
    private long _lastLogged;
    private bool _disposed;

    public TlsUpstream(UpstreamAddress address, UpstreamTrust trust, TimeSpan connectTimeout, ILogger? logger)
    {
        _address = address;
        _connectTimeout = connectTimeout;
        _logger = logger;
        _authentication = new SslClientAuthenticationOptions
        {
            TargetHost = address.TargetHost,
            // No ALPN: RFC 7858 does not ask for one, and a server that does not know "dot" may refuse the handshake
            // with no_application_protocol (RFC 7301 §3.2), as a TLS interceptor here did.
            CertificateChainPolicy = trust.ChainPolicy(),
        };
    }

    /// <summary>Connections opened so far (one per server while it keeps the connection open).</summary>
    public long ConnectionsOpened => Interlocked.Read(ref _connections);

    /// <summary>Sends <paramref name="framed"/> (length prefix, then the query) and waits for its reply.</summary>
    /// <remarks>The query's ID may be replaced by one not in use on the connection.</remarks>
    public async ValueTask<(ExchangeOutcome Outcome, int Length)> ExchangeAsync(Memory<byte> framed, int questionEnd, Memory<byte> response,
        CancellationToken cancellationToken)
    {
        for (int round = 0; ; round++)
        {
            TlsUpstreamConnection connection;
            bool reused;
            try
            {
                (connection, reused) = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return (ExchangeOutcome.Timeout, 0);
            }
            catch (Exception ex) when (ex is SocketException or IOException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
            {
                return (ExchangeOutcome.NetworkError, 0);
            }

            (ExchangeOutcome outcome, int length) = await connection.ExchangeAsync(framed, questionEnd, response, cancellationToken).ConfigureAwait(false);
            if (outcome == ExchangeOutcome.NetworkError && reused && round == 0)
            {
                continue; // the server closed a connection we had kept: one more try on a new one
            }

            return (outcome, length);
        }
    }

    public void Dispose()
    {
        TlsUpstreamConnection? connection;
        lock (_gate)
        {
            _disposed = true;
            connection = _connection;
            _connection = null;
        }

        connection?.Dispose();
    }

    private async ValueTask<(TlsUpstreamConnection Connection, bool Reused)> GetConnectionAsync(CancellationToken cancellationToken)
    {
        Task<TlsUpstreamConnection> connecting;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is { IsOpen: true } open)
            {
                return (open, true);
            }

            // One handshake for all the queries waiting on it; not tied to one query's cancellation. On the thread pool,
            // so that its ending (which takes the lock) always comes after this assignment.
            connecting = _connecting ??= Task.Run(ConnectAsync);
        }

        return (await connecting.WaitAsync(cancellationToken).ConfigureAwait(false), false);
    }

    private async Task<TlsUpstreamConnection> ConnectAsync()
    {
        using var timeout = new CancellationTokenSource(_connectTimeout);
        var socket = new Socket(_address.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_address.EndPoint, timeout.Token).ConfigureAwait(false);
            var stream = new SslStream(new NetworkStream(socket, ownsSocket: true));
            try
            {
                await stream.AuthenticateAsClientAsync(_authentication, timeout.Token).ConfigureAwait(false);
            }
            catch
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            var connection = new TlsUpstreamConnection(stream);
            Interlocked.Increment(ref _connections);
            lock (_gate)
            {
                _connecting = null;
                if (_disposed)
                {
                    connection.Dispose();
                    throw new ObjectDisposedException(nameof(TlsUpstream));
                }

                _connection = connection;
            }

            return connection;
        }
        catch (Exception ex)
        {
            socket.Dispose();
            lock (_gate)
            {
                _connecting = null;
            }

            if (_logger is not null && ex is AuthenticationException or IOException && UpstreamLog.ShouldLog(ref _lastLogged))
            {
                // A certificate that does not match, or a server that does not speak TLS: a configuration problem worth
                // saying, at most once a minute per server.
                UpstreamLog.TlsFailed(_logger, _address.Text, UpstreamLog.Reason(ex));
            }

            throw;
        }
    }
}
