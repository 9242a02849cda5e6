using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PipShield.Service.Hosting;

namespace PipShield.Service.Feeds;

/// <summary>
/// Refreshes the enabled feeds in the background, each on its own interval, starting
/// <see cref="FeedsOptions.StartDelay"/> after start so that the resolver answers first (it starts from the
/// last good copies already on disk). After a refresh that changed a feed, the lists are rebuilt and swapped in
/// off the query path by the <see cref="ListReloader"/>, which keeps the last good image if that fails.
/// </summary>
internal sealed class FeedRefreshService : BackgroundService
{
    /// <summary>A failed feed is tried again after this long, or its interval if shorter.</summary>
    private static readonly TimeSpan RetryFailedAfter = TimeSpan.FromMinutes(30);

    /// <summary>The loop wakes at least this often to look for due feeds (and catalogue edits).</summary>
    private static readonly TimeSpan MaxSleep = TimeSpan.FromMinutes(15);

    private readonly FeedsOptions _options;
    private readonly ResolverHostedService _resolver;
    private readonly FeedRefresher _refresher;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _catalogPath;
    private readonly bool _imageOnly;

    public FeedRefreshService(IOptions<FeedsOptions> options, IOptions<ListsOptions> lists, IHttpClientFactory http,
        ResolverHostedService resolver, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _resolver = resolver;
        _time = TimeProvider.System;
        _logger = loggerFactory.CreateLogger("PipShield.Feeds");
        _catalogPath = ImageLoader.Resolve(_options.CatalogFile);
        _imageOnly = !string.IsNullOrWhiteSpace(lists.Value.Image);
        _refresher = new FeedRefresher(_options, new FeedStore(ImageLoader.StateDirectoryOf(lists.Value)),
            http.CreateClient(FeedHttp.ClientName), _logger, _time);
    }

    /// <summary>Refreshes <paramref name="names"/> (every enabled feed when null) now, then swaps in new lists
    /// if anything changed. Safe alongside the background loop: refreshes never overlap.</summary>
    /// <exception cref="FeedCatalogException">The catalogue cannot be read.</exception>
    public async Task<IReadOnlyList<FeedOutcome>> RefreshNowAsync(IReadOnlyCollection<string>? names, bool force, CancellationToken cancellationToken)
    {
        List<FeedDefinition> feeds = FeedCatalog.Load(_catalogPath).Where(f => f.Enabled && (names is null || names.Contains(f.Name))).ToList();
        return await RefreshAsync(feeds, force, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        if (_imageOnly)
        {
            FeedsLog.ImageOnly(_logger);
            return;
        }

        try
        {
            List<FeedDefinition> catalog = FeedCatalog.Load(_catalogPath);
            FeedsLog.Starting(_logger, catalog.Count(f => f.Enabled), catalog.Count, _catalogPath, _options.StartDelay.TotalSeconds);
            await Task.Delay(_options.StartDelay, _time, stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                TimeSpan sleep = MaxSleep;
                try
                {
                    catalog = FeedCatalog.Load(_catalogPath);
                    Dictionary<string, FeedState> states = _refresher.Store.Load();
                    DateTimeOffset now = _time.GetUtcNow();
                    List<FeedDefinition> due = [.. catalog.Where(f => f.Enabled && DueAt(f, states) <= now)];
                    await RefreshAsync(due, force: false, stoppingToken).ConfigureAwait(false);

                    states = _refresher.Store.Load();
                    now = _time.GetUtcNow();
                    foreach (FeedDefinition feed in catalog.Where(f => f.Enabled))
                    {
                        TimeSpan until = DueAt(feed, states) - now;
                        sleep = until < sleep ? until : sleep;
                    }
                }
                catch (FeedCatalogException ex)
                {
                    FeedsLog.CatalogFailed(_logger, ex.Message);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    FeedsLog.RefreshFault(_logger, ex);
                }

                await Task.Delay(sleep < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : sleep, _time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<IReadOnlyList<FeedOutcome>> RefreshAsync(List<FeedDefinition> feeds, bool force, CancellationToken cancellationToken)
    {
        var outcomes = new List<FeedOutcome>(feeds.Count);
        foreach (FeedDefinition feed in feeds)
        {
            outcomes.Add(await _refresher.RefreshAsync(feed, force, cancellationToken).ConfigureAwait(false));
        }

        if (outcomes.Any(o => o.Result == FeedResult.Updated) && _resolver.Reloader is { } reloader)
        {
            await reloader.ReloadAsync("feeds updated", cancellationToken).ConfigureAwait(false);
        }

        return outcomes;
    }

    /// <summary>When <paramref name="feed"/> is next due: its interval after the last check, sooner after a failure.</summary>
    private static DateTimeOffset DueAt(FeedDefinition feed, Dictionary<string, FeedState> states)
    {
        if (states.GetValueOrDefault(feed.Name) is not { Checked: { } lastChecked } state)
        {
            return DateTimeOffset.MinValue;
        }

        TimeSpan interval = state.Result == "failed" && RetryFailedAfter < feed.Refresh ? RetryFailedAfter : feed.Refresh;
        return lastChecked + interval;
    }
}
