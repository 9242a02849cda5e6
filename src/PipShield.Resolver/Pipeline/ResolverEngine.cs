using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PipShield.Blocklist;
using PipShield.Resolver.QueryLog;
using PipShield.Resolver.Server;
using PipShield.Resolver.Stages.Admission;
using PipShield.Resolver.Stages.Cache;
using PipShield.Resolver.Stages.Policy;
using PipShield.Resolver.Stages.RateLimit;
using PipShield.Resolver.Stages.ResponsePolicy;
using PipShield.Resolver.Stages.Upstream;
using PipShield.Resolver.Upstream;

namespace PipShield.Resolver.Pipeline;

/// <summary>
/// The whole resolver, assembled from its options: upstream pool, cache and prefetcher, the stages in
/// <see cref="PipelineBuilder"/> order, and the listeners. The service host and the integration tests both
/// start it this way, so they run the same thing.
/// </summary>
public sealed class ResolverEngine : IAsyncDisposable
{
    private readonly CachePrefetcher? _prefetcher;
    private readonly RateLimitStage? _rateLimit;
    private readonly UpstreamStage _upstreamStage;

    private ResolverEngine(ResolverServer server, ImageHolder images, ResponseCache cache, IUpstreamClient upstream, CachePrefetcher? prefetcher,
        RateLimitStage? rateLimit, UpstreamStage upstreamStage)
    {
        _upstreamStage = upstreamStage;
        Server = server;
        Images = images;
        Cache = cache;
        Upstream = upstream;
        _prefetcher = prefetcher;
        _rateLimit = rateLimit;
    }

    public ResolverServer Server { get; }

    public ImageHolder Images { get; }

    public ResponseCache Cache { get; }

    public IUpstreamClient Upstream { get; }

    /// <summary>Queries waiting on upstream now; at most <see cref="MaxUpstreamQueriesInFlight"/>.</summary>
    public int UpstreamQueriesInFlight => _upstreamStage.QueriesInFlight;

    /// <summary>Queries answered at once (stale or SERVFAIL) since start because <see cref="MaxUpstreamQueriesInFlight"/> were waiting.</summary>
    public long UpstreamOverloaded => _upstreamStage.Overloaded;

    /// <summary>The cap on queries waiting on upstream: three quarters of <see cref="ResolverServerOptions.MaxQueriesInFlight"/>.</summary>
    public int MaxUpstreamQueriesInFlight { get; private init; }

    /// <summary>The UDP rate limit's counters so far; all zero when it is off.</summary>
    public RateLimitCounters RateLimitCounters => _rateLimit?.Counters ?? default;

    /// <summary>Builds and starts the resolver.</summary>
    /// <param name="upstream">Replaces the upstream pool built from <see cref="ResolverEngineOptions.Upstream"/> (tests).</param>
    /// <param name="queryLog">Receives every finished query (see <see cref="IQueryLog"/>), or null for none.</param>
    /// <param name="devices">The enrolled devices: plain-DNS clients by address, device IDs in DoT server names; null for none.</param>
    /// <exception cref="ArgumentException">The options are invalid, or an upstream is this resolver itself; the message names the key.</exception>
    public static ResolverEngine Start(ResolverEngineOptions options, ImageHolder images, IUpstreamClient? upstream = null, ILoggerFactory? loggerFactory = null,
        IQueryLog? queryLog = null, IDeviceDirectory? devices = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(images);
        loggerFactory ??= NullLoggerFactory.Instance;
        ILogger logger = loggerFactory.CreateLogger("PipShield.Resolver");

        var errors = new List<string>(options.Server.Validate());
        errors.AddRange(options.Upstream.Validate());
        errors.AddRange(options.RateLimit.Validate());
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors));
        }

        if (upstream is null)
        {
            RefuseSelfForwarding(options);
            upstream = new UpstreamPool(options.Upstream, loggerFactory.CreateLogger<UpstreamPool>());
        }

        var cache = new ResponseCache(options.Cache);
        CachePrefetcher? prefetcher = null;
        if (options.Cache.Prefetch)
        {
            prefetcher = new CachePrefetcher(cache, upstream, loggerFactory.CreateLogger<CachePrefetcher>());
            prefetcher.Start();
        }

        // Upstream waits may hold three quarters of the listeners' query contexts; the last quarter stays free for queries
        // answered at once (cache hits, blocks), so a flood of cache misses cannot turn those away with SERVFAIL.
        // One client may hold a quarter of those, so a device flooding misses cannot starve the others.
        int maxUpstream = Math.Max(1, options.Server.MaxQueriesInFlight * 3 / 4);
        IpPrefix[] trusted = [.. options.RateLimit.Exempt.Select(text => IpPrefix.TryParse(text.Trim(), out IpPrefix prefix, out _) ? prefix : default)];
        var upstreamStage = new UpstreamStage(upstream, cache.TryWriteStale, maxUpstream, Math.Max(1, maxUpstream / 4), trusted);
        var policy = new PolicyStage(images, options.Policy);
        RateLimitStage? rateLimit = StartRateLimit(options.RateLimit, loggerFactory.CreateLogger<RateLimitStage>());
        QueryPipeline pipeline = PipelineBuilder.Build(
            options.AccessControl,
            policy,
            cache: new CacheStage(cache),
            upstream: upstreamStage,
            responseStages:
            [
                new ResponsePolicyStage(images, policy),  // first: a cloaked CNAME or listed address must not be cached as allowed
                new CacheStoreStage(cache),               // then store what the client is about to get
            ],
            onStageFault: ex => ServerLog.StageFault(logger, ex),
            rateLimit: rateLimit,
            queryLog: queryLog,
            devices: devices);
        ResolverServer server = ResolverServer.Start(pipeline, options.Server, loggerFactory, devices);
        return new ResolverEngine(server, images, cache, upstream, prefetcher, rateLimit, upstreamStage) { MaxUpstreamQueriesInFlight = maxUpstream };
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync().ConfigureAwait(false);
        if (_prefetcher is not null)
        {
            await _prefetcher.DisposeAsync().ConfigureAwait(false);
        }

        (Upstream as IDisposable)?.Dispose();
    }

    private static RateLimitStage? StartRateLimit(RateLimitOptions options, ILogger logger)
    {
        if (!options.IsEnabled)
        {
            RateLimitLog.Off(logger);
            return null;
        }

        RateLimitLog.Configured(logger, options.ResponsesPerSecond, options.IPv4PrefixLength, options.IPv6PrefixLength, options.Burst,
            options.Slip, options.TableSize, options.Exempt.Count > 0 ? string.Join(", ", options.Exempt) : "none");
        return new RateLimitStage(options);
    }

    private static void RefuseSelfForwarding(ResolverEngineOptions options)
    {
        List<IPEndPoint> listen = EndPoints(options.Server.EffectiveListenEndPoints, UpstreamEndPoint.DefaultPort);
        List<IPEndPoint> tls = options.Server.Tls.IsConfigured ? EndPoints(options.Server.TlsEndPoints, UpstreamAddress.TlsPort) : [];
        foreach (string text in options.Upstream.EffectiveServers)
        {
            if (!UpstreamAddress.TryParse(text, out UpstreamAddress? upstream, out _))
            {
                continue;
            }

            // Plain DNS against the plain listeners, DNS-over-TLS against the DoT ones (DoH is served by the host).
            List<IPEndPoint> own = upstream.Protocol switch
            {
                UpstreamProtocol.Dns => listen,
                UpstreamProtocol.Tls => tls,
                _ => [],
            };
            if (UpstreamEndPoint.IsOwnEndPoint(upstream.EndPoint, own))
            {
                throw new ArgumentException(
                    $"{UpstreamOptions.SectionName}:Servers: {text} is PipShield's own listening address; forwarding to itself would loop. Give another resolver.");
            }
        }
    }

    private static List<IPEndPoint> EndPoints(IEnumerable<string> texts, int defaultPort)
    {
        var endPoints = new List<IPEndPoint>();
        foreach (string text in texts)
        {
            if (ResolverServerOptions.TryParseEndPoint(text, defaultPort, out IPEndPoint? endPoint))
            {
                endPoints.Add(endPoint);
            }
        }

        return endPoints;
    }
}
