using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Upstream;

/// <summary>
/// One DNS-over-HTTPS upstream (RFC 8484): queries are POSTed as <c>application/dns-message</c> over the handler's
/// pooled connections — HTTP/2 when the server offers it (many queries share one connection), else HTTP/1.1 with
/// keep-alive. Connections go to the configured address whatever the URL's host, so no name is looked up.
/// </summary>
internal sealed class HttpsUpstream : IDisposable
{
    private const string DnsMessage = "application/dns-message";

    private readonly UpstreamAddress _address;
    private readonly Uri _uri;
    private readonly HttpMessageInvoker _client;
    private readonly ILogger? _logger;
    private long _connections;
    private long _lastLogged;

    public HttpsUpstream(UpstreamAddress address, UpstreamTrust trust, TimeSpan connectTimeout, ILogger? logger)
    {
        _address = address;
        _uri = address.RequestUri;
        _logger = logger;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = ConnectAsync,
            ConnectTimeout = connectTimeout,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxResponseHeadersLength = 16,
            SslOptions = { CertificateChainPolicy = trust.ChainPolicy() },
        };
        _client = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    /// <summary>TCP connections opened so far.</summary>
    public long ConnectionsOpened => Interlocked.Read(ref _connections);

    /// <summary>Sends <paramref name="query"/> with ID 0 (RFC 8484 §4.1) and reads the reply into <paramref name="response"/>.</summary>
    public async ValueTask<(ExchangeOutcome Outcome, int Length)> ExchangeAsync(Memory<byte> query, int questionEnd, Memory<byte> response,
        CancellationToken cancellationToken)
    {
        // Over HTTPS nobody off-path can forge the reply, so the random ID buys nothing, and 0 lets HTTP caches share answers.
        DnsHeader.WriteId(query.Span, 0);
        using var request = new HttpRequestMessage(HttpMethod.Post, _uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            Content = new ReadOnlyMemoryContent(query),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", DnsMessage);
        request.Headers.TryAddWithoutValidation("Accept", DnsMessage);
        try
        {
            using HttpResponseMessage reply = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (reply.StatusCode != HttpStatusCode.OK || reply.Content.Headers.ContentType?.MediaType is not DnsMessage)
            {
                // A 4xx/5xx, or a captive portal's page: the server is not answering DNS.
                return (ExchangeOutcome.Unusable, 0);
            }

            int length = await ReadBodyAsync(reply.Content, response, cancellationToken).ConfigureAwait(false);
            return length >= 0 && UpstreamReply.Check(response.Span[..length], 0, query.Span[DnsHeader.Size..questionEnd]) == ReplyCheck.Accept
                ? (ExchangeOutcome.Reply, length)
                : (ExchangeOutcome.Unusable, 0);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (ExchangeOutcome.Timeout, 0);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            if (_logger is not null && ex.InnerException is AuthenticationException && UpstreamLog.ShouldLog(ref _lastLogged))
            {
                // A certificate problem is a configuration problem: say so, at most once a minute per server.
                UpstreamLog.TlsFailed(_logger, _address.Text, UpstreamLog.Reason(ex.InnerException));
            }

            return (ExchangeOutcome.NetworkError, 0);
        }
    }

    public void Dispose() => _client.Dispose();

    private static async ValueTask<int> ReadBodyAsync(HttpContent content, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } declared && declared > destination.Length)
        {
            return -1;
        }

        Stream body = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            int total = 0;
            while (true)
            {
                if (total == destination.Length)
                {
                    // Full: anything more means a reply too large to be DNS.
                    return await body.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) == 0 ? total : -1;
                }

                int read = await body.ReadAsync(destination[total..], cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return total;
                }

                total += read;
            }
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(_address.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_address.EndPoint, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _connections);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
