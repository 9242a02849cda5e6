using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Stages.Cache;

/// <summary>
/// Refreshes popular entries shortly before they expire, so busy names never miss. Hits queue entries on a
/// bounded channel (a full queue drops the request); one background task sends each question upstream and
/// stores the answer. An entry is queued at most once, so each key has at most one refresh in flight.
/// </summary>
public sealed class CachePrefetcher : IAsyncDisposable
{
    private const ushort AdvertisedPayloadSize = 1232;

    private readonly ResponseCache _cache;
    private readonly IUpstreamClient _upstream;
    private readonly ILogger _logger;
    private CancellationTokenSource? _stopping;
    private Task? _running;

    public CachePrefetcher(ResponseCache cache, IUpstreamClient upstream, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(upstream);
        _cache = cache;
        _upstream = upstream;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Starts the background task. Does nothing when prefetch is off or the task already runs.</summary>
    public void Start()
    {
        if (_cache.PrefetchRequests is null || _running is not null)
        {
            return;
        }

        _stopping = new CancellationTokenSource();
        CancellationToken token = _stopping.Token;
        _running = Task.Run(() => RunAsync(token), CancellationToken.None);
        _cache.PrefetchAttached = true;
        CacheLog.PrefetchStarted(_logger);
    }

    /// <summary>Stops the background task and waits for the refresh in flight, if any, to be cancelled.</summary>
    public async Task StopAsync()
    {
        if (_running is null)
        {
            return;
        }

        _cache.PrefetchAttached = false;
        await _stopping!.CancelAsync().ConfigureAwait(false);
        try
        {
            await _running.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
        _stopping = null;
        _running = null;
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>Writes a query for the question of <paramref name="entry"/>: fresh ID, RD, CD and DO as keyed.</summary>
    internal static int BuildQuery(CacheEntry entry, Span<byte> destination)
    {
        bool checkingDisabled = (entry.KeyFlags & CacheKey.CheckingDisabledFlag) != 0;
        bool dnssecOk = (entry.KeyFlags & CacheKey.DnssecOkFlag) != 0;
        ushort flags = (ushort)(DnsHeader.RdFlag | (checkingDisabled ? DnsHeader.CdFlag : 0));
        var writer = new DnsMessageWriter(destination);
        bool written = writer.TryWriteHeader((ushort)Random.Shared.Next(0x10000), flags, 1, 0, 0, 1)
            && writer.TryWriteBytes(entry.Data.AsSpan(DnsHeader.Size, entry.QuestionEnd - DnsHeader.Size))
            && writer.TryWriteOpt(AdvertisedPayloadSize, dnssecOk, 0, null, default);
        return written ? writer.Length : 0;
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        ChannelReader<CacheEntry> requests = _cache.PrefetchRequests!;
        byte[] query = new byte[512]; // header + 255-byte name + type/class + OPT
        byte[] response = new byte[QueryContext.MaxMessageSize];
        while (await requests.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (requests.TryRead(out CacheEntry? entry))
            {
                await RefreshAsync(entry, query, response, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RefreshAsync(CacheEntry entry, byte[] query, byte[] response, CancellationToken cancellationToken)
    {
        try
        {
            int length = BuildQuery(entry, query);
            _cache.Metrics.AddPrefetch();
            UpstreamResult result = await _upstream.QueryAsync(query.AsMemory(0, length), response, cancellationToken).ConfigureAwait(false);
            CacheInsertOutcome outcome = result.Status == UpstreamStatus.Ok
                ? _cache.InsertRefresh(entry, response.AsSpan(0, result.Length))
                : CacheInsertOutcome.NotCacheable;
            if (outcome != CacheInsertOutcome.Inserted)
            {
                // The old entry stays marked, so a failing name is not retried on every hit; it expires as usual.
                _cache.Metrics.AddPrefetchFailure();
                CacheLog.PrefetchFailed(_logger, result.Status, outcome);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _cache.Metrics.AddPrefetchFailure();
            CacheLog.PrefetchFaulted(_logger, ex);
        }
    }
}
