using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using PipShield.Blocklist.Lookup;
using PipShield.Resolver.Stages.Policy;

namespace PipShield.Service.Hosting;

/// <summary>
/// Keeps the lists in service current without a restart: when a file behind them changes (checked every
/// <see cref="ListsOptions.ReloadCheckInterval"/>) or the process gets <c>SIGHUP</c>, a new image is built off the
/// query path, checked, and swapped in. A failed, truncated, empty or missing update leaves the last good
/// image serving; the failure is logged and counted. Reloads never overlap.
/// </summary>
internal sealed class ListReloader : IAsyncDisposable
{
    private readonly ListsOptions _options;
    private readonly ImageHolder _images;
    private readonly ImageLoader _loader;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private PosixSignalRegistration? _hangup;
    private Task _watching = Task.CompletedTask;
    private string _lastSeen = string.Empty;
    private long _succeeded;
    private long _failed;

    public ListReloader(ListsOptions options, ImageHolder images, ILogger logger, Feeds.FeedsOptions? feeds = null)
    {
        _options = options;
        _images = images;
        _logger = logger;
        _loader = new ImageLoader(options, logger, feeds);
    }

    /// <summary>Raised after a new image is in service (the firewall follows it); the handler must not block.</summary>
    public event Action<BlocklistImage>? Swapped;

    /// <summary>The images in service.</summary>
    public ImageHolder Images => _images;

    /// <summary>Reloads that put a new image in service.</summary>
    public long Succeeded => Interlocked.Read(ref _succeeded);

    /// <summary>Reloads that kept the previous image because the new one could not be built or was refused.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Why the last failed reload failed; null until one fails.</summary>
    public string? LastError { get; private set; }

    /// <summary>Starts watching the files and, outside Windows, listening for SIGHUP.</summary>
    public void Start()
    {
        _lastSeen = Fingerprint();
        if (!OperatingSystem.IsWindows())
        {
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true; // SIGHUP means "reload" to a daemon, not "hang up"
                _ = ReloadAsync("SIGHUP", _stopping.Token);
            });
        }

        if (_options.ReloadCheckInterval > TimeSpan.Zero)
        {
            _watching = WatchAsync(_options.ReloadCheckInterval, _stopping.Token);
        }
    }

    /// <summary>Builds the lists again and swaps them in.</summary>
    /// <returns>True when a new image is in service; false when the previous one was kept.</returns>
    public async Task<bool> ReloadAsync(string reason, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _lastSeen = Fingerprint();
            var stopwatch = Stopwatch.StartNew();
            BlocklistImage next;
            try
            {
                // Compiling a million names takes a second or two: never on the caller's (a signal's) thread.
                next = await Task.Run(Build, cancellationToken).ConfigureAwait(false);
            }
            catch (StartupException ex)
            {
                Fail(reason, ex.Message);
                return false;
            }

            _ = _images.SwapAsync(next);
            Interlocked.Increment(ref _succeeded);
            Swapped?.Invoke(next);
            HostLog.Reloaded(_logger, reason, next.DomainRuleCount, next.IpRuleCount, next.Sources.Count, stopwatch.Elapsed.TotalSeconds);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _hangup?.Dispose();
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _watching.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        // Wait for a reload in progress, so its image is either swapped in (and disposed with the holder) or never made.
        await _gate.WaitAsync().ConfigureAwait(false);
        _gate.Release();
        _stopping.Dispose();
    }

    private BlocklistImage Build()
    {
        if (!string.IsNullOrWhiteSpace(_options.Image) && _loader.WatchedFiles() is [string image] && !File.Exists(image))
        {
            throw new StartupException($"{image} is missing");
        }

        BlocklistImage next = _loader.Load() ?? throw new StartupException("no list is configured any more");
        BlocklistImage? current = _images.Current;
        if (next.DomainRuleCount + next.IpRuleCount == 0 && current is not null && current.DomainRuleCount + current.IpRuleCount > 0)
        {
            next.Dispose();
            throw new StartupException("the new lists hold no rules at all, which looks like a broken update");
        }

        return next;
    }

    private void Fail(string reason, string error)
    {
        Interlocked.Increment(ref _failed);
        LastError = error;
        HostLog.ReloadFailed(_logger, reason, error);
    }

    private async Task WatchAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            string seen = Fingerprint();
            if (seen != _lastSeen)
            {
                await ReloadAsync("a list file changed", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Size and modification time of every watched file; a change in any of them means "reload".</summary>
    private string Fingerprint()
    {
        var text = new System.Text.StringBuilder();
        foreach (string path in _loader.WatchedFiles())
        {
            var file = new FileInfo(path);
            text.Append(path).Append('|');
            text.Append(file.Exists ? $"{file.Length}|{file.LastWriteTimeUtc.Ticks}" : "missing").Append('\n');
        }

        return text.ToString();
    }
}
