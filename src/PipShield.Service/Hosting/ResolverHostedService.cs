using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PipShield.Blocklist.Lookup;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Server;
using PipShield.Resolver.Stages.Admission;
using PipShield.Resolver.Stages.Cache;
using PipShield.Resolver.Stages.Policy;
using PipShield.Resolver.Stages.RateLimit;
using PipShield.Resolver.Upstream;
using PipShield.Service.QueryLog;

namespace PipShield.Service.Hosting;

/// <summary>Loads the blocklists, starts the resolver, and drains it on shutdown.</summary>
internal sealed class ResolverHostedService(
    IOptions<ResolverServerOptions> server,
    IOptions<UpstreamOptions> upstream,
    IOptions<CacheOptions> cache,
    IOptions<PolicyOptions> policy,
    IOptions<RateLimitOptions> rateLimit,
    IOptions<AccessControlOptions> accessControl,
    IOptions<ListsOptions> lists,
    IOptions<QueryLogOptions> queryLog,
    IOptions<Feeds.FeedsOptions> feeds,
    ILoggerFactory loggerFactory,
    IBlockObserver? blockObserver = null,
    IDeviceDirectory? devices = null) : IHostedService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("PipShield.Service");
    private ResolverEngine? _engine;
    private ImageHolder? _images;
    private ListReloader? _reloader;
    private QueryLogWriter? _queryLog;

    /// <summary>The running resolver (after start), for tests and the admin surface.</summary>
    public ResolverEngine? Engine => _engine;

    /// <summary>The lists in service (after start), for the warning page.</summary>
    public ImageHolder? Images => _images;

    /// <summary>Reloads the lists on file changes and SIGHUP (after start).</summary>
    public ListReloader? Reloader => _reloader;

    /// <summary>Writes the query log and the block events (after start).</summary>
    public QueryLogWriter? QueryLog => _queryLog;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        BlocklistImage? image = new ImageLoader(lists.Value, _logger, feeds.Value).Load();
        _images = new ImageHolder(image);
        AccessControlList acl;
        try
        {
            acl = accessControl.Value.Allow.Count > 0 ? AccessControlList.Parse(accessControl.Value.Allow) : AccessControlList.PrivateNetworks;
        }
        catch (FormatException ex)
        {
            throw new StartupException($"{AccessControlOptions.SectionName}:Allow: {ex.Message}");
        }

        var options = new ResolverEngineOptions
        {
            Server = server.Value,
            Upstream = upstream.Value,
            Cache = cache.Value,
            Policy = policy.Value,
            RateLimit = rateLimit.Value,
            AccessControl = acl,
        };
        _queryLog = StartQueryLog();
        try
        {
            _engine = ResolverEngine.Start(options, _images, loggerFactory: loggerFactory, queryLog: _queryLog.Queue, devices: devices);
        }
        catch (ArgumentException ex)
        {
            _queryLog.DisposeAsync().AsTask().GetAwaiter().GetResult(); // nothing was logged yet: closes the file at once
            throw new StartupException(ex.Message);
        }

        _reloader = new ListReloader(lists.Value, _images, _logger, feeds.Value);
        _reloader.Start();
        HostLog.Started(_logger,
            string.Join(", ", _engine.Server.EndPoints),
            string.Join(", ", options.Upstream.EffectiveServers),
            string.Join(", ", acl.Prefixes),
            options.Cache.MaxEntries);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_reloader is not null)
        {
            await _reloader.DisposeAsync().ConfigureAwait(false);
        }

        if (_engine is not null)
        {
            await _engine.DisposeAsync().ConfigureAwait(false);
        }

        if (_queryLog is not null)
        {
            await _queryLog.DisposeAsync().ConfigureAwait(false); // after the engine: every answered query is in the queue
        }

        _images?.Dispose();
    }

    private QueryLogWriter StartQueryLog()
    {
        string stateDirectory = ImageLoader.StateDirectoryOf(lists.Value);
        try
        {
            return QueryLogWriter.Start(queryLog.Value, stateDirectory, loggerFactory.CreateLogger("PipShield.QueryLog"), blocks: blockObserver);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"{QueryLogOptions.SectionName}:Path: {ex.Message}");
        }
    }
}
