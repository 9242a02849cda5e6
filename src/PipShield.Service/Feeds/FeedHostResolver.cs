using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace PipShield.Service.Feeds;

/// <summary>
/// Connects feed downloads without the system resolver: the feed's host name is looked up (A and AAAA) at
/// PipShield's own upstream servers and each address is tried in turn. On a machine whose resolver is PipShield
/// itself, the system resolver would ask PipShield, which may still be starting: a restart must never wait on
/// its own answers. A host given as an IP literal is connected directly.
/// </summary>
internal sealed class FeedHostResolver
{
    /// <summary>Per upstream query; feeds are fetched in the background, so a slow answer only delays them.</summary>
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(2);

    private readonly LookupClient _lookup;
    private readonly string _upstreams;

    public FeedHostResolver(IReadOnlyList<IPEndPoint> upstreams)
    {
        ArgumentOutOfRangeException.ThrowIfZero(upstreams.Count);
        _upstreams = string.Join(", ", upstreams);
        _lookup = new LookupClient(new LookupClientOptions([.. upstreams.Select(e => new NameServer(e))])
        {
            Timeout = LookupTimeout,
            Retries = 1,
            UseCache = true,
            UseTcpFallback = true,
            ThrowDnsErrors = false,
            ContinueOnDnsError = true,
        });
    }

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
        Task<IDnsQueryResponse> a = _lookup.QueryAsync(host, QueryType.A, cancellationToken: cancellationToken);
        Task<IDnsQueryResponse> aaaa = _lookup.QueryAsync(host, QueryType.AAAA, cancellationToken: cancellationToken);
        var addresses = new List<IPAddress>();
        string? error = null;
        foreach (Task<IDnsQueryResponse> query in new[] { a, aaaa })
        {
            try
            {
                IDnsQueryResponse response = await query.ConfigureAwait(false);
                addresses.AddRange(response.Answers.OfType<AddressRecord>().Select(r => r.Address));
                error ??= response.HasError ? response.ErrorMessage : null;
            }
            catch (DnsResponseException ex)
            {
                error ??= ex.Message;
            }
        }

        if (addresses.Count == 0)
        {
            throw new HttpRequestException($"{host} has no address at the upstreams {_upstreams}{(error is null ? string.Empty : ": " + error)}");
        }

        return addresses;
    }
}
