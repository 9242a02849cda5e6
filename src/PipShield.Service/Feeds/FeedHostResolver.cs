using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;

namespace PipShield.Service.Feeds;

/// <summary>
/// Connects feed downloads without the system resolver: the feed's host name is looked up (A and AAAA) at
/// PipShield's own upstream servers, over the same protocols as every other query (so over TLS or HTTPS when they are
/// encrypted), and each address is tried in turn. On a machine whose resolver is PipShield itself, the system resolver
/// would ask PipShield, which may still be starting: a restart must never wait on its own answers. A host given as an
/// IP literal is connected directly.
/// </summary>
internal sealed class FeedHostResolver : IDisposable
{
    private readonly UpstreamPool _upstream;
    private readonly string _upstreams;

    public FeedHostResolver(UpstreamOptions upstream, ILogger? logger = null)
    {
        // Per attempt: feeds are fetched in the background, so a slow answer only delays them.
        _upstream = new UpstreamPool(upstream, logger);
        _upstreams = string.Join(", ", upstream.EffectiveServers);
    }

    public void Dispose() => _upstream.Dispose();

    /// <summary>For <see cref="SocketsHttpHandler.ConnectCallback"/>.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        DnsEndPoint target = context.DnsEndPoint;
        IReadOnlyList<IPAddress> addresses = IPAddress.TryParse(target.Host, out IPAddress? literal)
            ? [literal]
            : await ResolveAsync(target.Host, cancellationToken).ConfigureAwait(false);

        SocketException? last = null;
        foreach (IPAddress address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, target.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw new HttpRequestException($"cannot connect to {target.Host}:{target.Port} at {string.Join(", ", addresses)}: {last?.Message}", last);
    }

    /// <summary>A and AAAA addresses of <paramref name="host"/>, IPv4 first.</summary>
    /// <exception cref="HttpRequestException">No address came back.</exception>
    public async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        Task<(List<IPAddress> Addresses, string? Error)> a = LookUpAsync(host, DnsType.A, cancellationToken);
        Task<(List<IPAddress> Addresses, string? Error)> aaaa = LookUpAsync(host, DnsType.AAAA, cancellationToken);
        var (v4, v4Error) = await a.ConfigureAwait(false);
        var (v6, v6Error) = await aaaa.ConfigureAwait(false);
        if (v4.Count + v6.Count == 0)
        {
            string? error = v4Error ?? v6Error;
            throw new HttpRequestException($"{host} has no address at the upstreams {_upstreams}{(error is null ? string.Empty : ": " + error)}");
        }

        return [.. v4, .. v6];
    }

    private async Task<(List<IPAddress> Addresses, string? Error)> LookUpAsync(string host, DnsType type, CancellationToken cancellationToken)
    {
        byte[] query = FeedHostQuery.Build(host, type);
        byte[] response = new byte[ushort.MaxValue];
        UpstreamResult result = await _upstream.QueryAsync(query, response, cancellationToken).ConfigureAwait(false);
        if (result.Status != UpstreamStatus.Ok)
        {
            return ([], result.Status switch
            {
                UpstreamStatus.Timeout => "no upstream answered in time",
                UpstreamStatus.NetworkError => "no upstream could be reached",
                _ => "the upstreams failed the query",
            });
        }

        Rcode rcode = DnsHeader.Rcode(response);
        return (FeedHostQuery.Addresses(response.AsSpan(0, result.Length), type), rcode == Rcode.NoError ? null : rcode.ToString());
    }
}
