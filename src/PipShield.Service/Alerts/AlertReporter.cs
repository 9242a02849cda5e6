using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PipShield.Service.Alerts;

/// <summary>
/// The <see cref="IAlertReporter"/> of the service. <see cref="Report"/> decides at once (under a short lock)
/// whether a signal is a new alert and, if so, logs it there and then; the history file and the webhook are
/// written from background tasks through bounded queues, so reporting never waits on a disk or a network.
/// </summary>
internal sealed class AlertReporter : IAlertReporter, IHostedService, IAsyncDisposable
{
    /// <summary>Alerts waiting for the history file at most; past this they are logged only (and counted).</summary>
    public const int OutboxCapacity = 1024;

    private readonly AlertsOptions _options;
    private readonly AlertHistory _history;
    private readonly AlertWebhook? _webhook;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly AlertWindow _window;
    private readonly Lock _lock = new();
    private readonly Channel<Alert> _outbox;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _webhookStopping = new();
    private readonly string _host = Environment.MachineName;
    private Task _historyTask = Task.CompletedTask;
    private Task _webhookTask = Task.CompletedTask;
    private Task _settleTask = Task.CompletedTask;
    private long _outboxDropped;
    private long _historyLost;
    private int _started;
    private int _disposed;

    public AlertReporter(AlertsOptions options, string historyPath, AlertWebhook? webhook, ILogger logger, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _options = options;
        _history = new AlertHistory(historyPath, options.MaxHistory);
        _webhook = webhook;
        _logger = logger;
        _window = new AlertWindow(options.Window);
        _outbox = Channel.CreateBounded<Alert>(new BoundedChannelOptions(OutboxCapacity)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        }, _ => Interlocked.Increment(ref _outboxDropped));
    }

    public string HistoryPath => _history.Path;

    /// <summary>The webhook, when one is configured.</summary>
    public AlertWebhook? Webhook => _webhook;

    /// <summary>Alerts raised since start (first and repeat).</summary>
    public long Raised { get; private set; }

    public void Report(in AlertSignal signal)
    {
        if (!_options.Enabled || string.IsNullOrEmpty(signal.Device))
        {
            return;
        }

        // A reporter that did not say when gets "now", so its signals still open and roll over windows.
        AlertSignal stamped = signal.Seen == default ? signal with { Seen = _time.GetUtcNow() } : signal;
        Alert? alert;
        Alert? settled;
        lock (_lock)
        {
            alert = _window.Observe(stamped, out settled);
            if (alert is not null)
            {
                Raised++;
            }
        }

        if (settled is not null)
        {
            _outbox.Writer.TryWrite(settled);
        }

        if (alert is null)
        {
            return;
        }

        // The log event first: whatever happens to the file or the webhook, the alert is on record.
        AlertsLog.Raised(_logger, alert.Id, alert.DeviceName is { } name ? $"{name} ({alert.Device})" : alert.Device, Alert.KindName(alert.Kind), alert.Rule, alert.Category, alert.Source,
            alert.Count, alert.FirstSeen, alert.LastSeen);
        _outbox.Writer.TryWrite(alert);
    }

    /// <summary>Starts the background tasks. Signals reported before this are queued.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            return Task.CompletedTask;
        }

        if (!_options.Enabled)
        {
            AlertsLog.Off(_logger);
            return Task.CompletedTask;
        }

        AlertsLog.Configured(_logger, "queries for " + string.Join(", ", _options.EffectiveC2Categories) + " names, blocked connections",
            _options.Window.TotalSeconds, _history.Path,
            _webhook is null ? "off" : _webhook.Redacted + (_options.WebhookSecret is { Length: > 0 } ? ", signed" : ", unsigned"));
        _historyTask = Task.Run(WriteHistoryAsync, CancellationToken.None);
        _settleTask = Task.Run(SettleAsync, CancellationToken.None);
        if (_webhook is not null)
        {
            _webhookTask = Task.Run(() => _webhook.RunAsync(_webhookStopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    /// <summary>Writes every queued alert to the history file, then gives the webhook until
    /// <paramref name="cancellationToken"/> (the host's shutdown timeout) to send what it still holds.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false); // ends the settle loop; the webhook keeps its own token below
        await _settleTask.ConfigureAwait(false);
        Settle(all: true); // the history gets the final counts
        _outbox.Writer.TryComplete();
        await _historyTask.ConfigureAwait(false);
        _webhook?.Complete();
        using (cancellationToken.Register(_webhookStopping.Cancel))
        {
            await _webhookTask.ConfigureAwait(false);
        }

        _history.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return; // the container disposes each registration that hands this instance out
        }

        await StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
        _stopping.Dispose();
        _webhookStopping.Dispose();
    }

    /// <summary>Every so often, records the counts of alerts whose window has ended (<see cref="AlertWindow.Settle"/>).</summary>
    private async Task SettleAsync()
    {
        TimeSpan period = TimeSpan.FromTicks(Math.Clamp(_options.Window.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        using var timer = new PeriodicTimer(period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                Settle(all: false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Settle(bool all)
    {
        List<Alert> updates;
        lock (_lock)
        {
            updates = _window.Settle(_time.GetUtcNow(), all);
        }

        foreach (Alert update in updates)
        {
            _outbox.Writer.TryWrite(update);
        }
    }

    private async Task WriteHistoryAsync()
    {
        long reportedDrops = 0;
        await foreach (Alert alert in _outbox.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            byte[] json = AlertJson.Write(alert, _host);
            try
            {
                _history.Append(json);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                AlertsLog.HistoryFailed(_logger, _history.Path, ++_historyLost, ex);
                _history.Dispose(); // the next alert opens the file again
            }

            if (!alert.Update)
            {
                _webhook?.Enqueue(json);
            }

            long dropped = Interlocked.Read(ref _outboxDropped);
            if (dropped != reportedDrops)
            {
                reportedDrops = dropped;
                AlertsLog.OutboxFull(_logger, dropped);
            }
        }
    }
}
