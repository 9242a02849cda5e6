using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PipShield.Blocklist;
using PipShield.Resolver.Listeners;
using PipShield.Resolver.QueryLog;

namespace PipShield.Service.QueryLog;

/// <summary>
/// Empties the <see cref="QueryLogQueue"/> on a background task: each entry becomes a JSON line in the query
/// log file, and each block also becomes a <see cref="QueryLogLog.Blocked"/> event. Flushes when the queue
/// runs dry and at least once a second while it does not; on dispose, writes what is left and flushes.
/// </summary>
internal sealed class QueryLogWriter : IAsyncDisposable
{
    /// <summary>Block events logged per second at most; a flood of blocks is summarised, the file has every one.</summary>
    public const int BlockEventsPerSecond = 20;

    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private readonly QueryLogFile? _file;
    private readonly IBlockObserver? _blocks;
    private readonly ILogger _logger;
    private readonly QueryLogFormatter _formatter = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _run = Task.CompletedTask;
    private LogLimiter _dropWarnings;
    private LogLimiter _writeErrors;
    private LogLimiter _entryErrors;
    private long _reportedDrops;
    private long _lostLines;
    private long _blockSecond;
    private int _blocksThisSecond;
    private long _blocksSuppressed;

    private QueryLogWriter(QueryLogQueue queue, QueryLogFile? file, IBlockObserver? blocks, ILogger logger)
    {
        Queue = queue;
        _file = file;
        _blocks = blocks;
        _logger = logger;
    }

    /// <summary>What the query path writes into.</summary>
    public QueryLogQueue Queue { get; }

    /// <summary>The file being written, or null when the file is off.</summary>
    public string? Path => _file?.Path;

    /// <summary>Lines that could not be written to the file (I/O errors), since start.</summary>
    public long LostLines => Interlocked.Read(ref _lostLines);

    /// <summary>Opens the file (when enabled) and starts the background writer. <paramref name="blocks"/>, when
    /// given, also sees every block (the infected-device alerts look for command-and-control names there).</summary>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">The file or its folder is not writable.</exception>
    public static QueryLogWriter Start(QueryLogOptions options, string stateDirectory, ILogger logger, TimeProvider? time = null, IBlockObserver? blocks = null)
    {
        QueryLogFile? file = null;
        if (options.Enabled)
        {
            file = new QueryLogFile(options.EffectivePath(stateDirectory), options.MaxFileBytes, options.MaxFiles, options.RotateDaily, time);
            QueryLogLog.Configured(logger, file.Path, options.LogAllowed ? "every query" : "blocked queries only",
                options.AnonymizeClients ? "masked to /24 and /48" : "in full", options.MaxFileBytes,
                options.RotateDaily ? " and at midnight UTC" : "", options.MaxFiles);
        }
        else
        {
            QueryLogLog.FileOff(logger);
        }

        // Without the file only blocks are needed, for the block events.
        var queue = new QueryLogQueue(blocksOnly: file is null || !options.LogAllowed, anonymize: options.AnonymizeClients);
        var writer = new QueryLogWriter(queue, file, blocks, logger);
        if (file is not null)
        {
            file.Rotated = bytes => QueryLogLog.Rotated(logger, file.Path, bytes);
        }

        writer._run = Task.Run(writer.RunAsync);
        return writer;
    }

    /// <summary>Stops the background task, then writes every entry still queued and flushes. Call after the
    /// resolver has stopped, so nothing more arrives.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
        while (Drain(Queue.Capacity) > 0)
        {
        }

        ReportDrops(force: true);
        _blockSecond = -1;
        NextBlockSecond();
        Flush();
        _file?.Dispose();
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        long lastFlush = Stopwatch.GetTimestamp();
        bool unflushed = false;
        while (!_stopping.IsCancellationRequested)
        {
            int written = Drain(Queue.Capacity);
            unflushed |= written > 0;
            ReportDrops(force: false);
            NextBlockSecond();
            if (unflushed && (written == 0 || Stopwatch.GetElapsedTime(lastFlush) >= FlushInterval))
            {
                Flush();
                unflushed = false;
                lastFlush = Stopwatch.GetTimestamp();
            }

            if (written == 0)
            {
                try
                {
                    await Task.Delay(IdleWait, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Writes up to <paramref name="max"/> queued entries; returns how many there were.</summary>
    private int Drain(int max)
    {
        int count = 0;
        while (count < max && Queue.TryRead(out QueryLogEntry entry))
        {
            count++;
            try
            {
                if (entry.Verdict == Verdict.Blocked)
                {
                    BlockEvent(entry);
                }

                if (_file is not null)
                {
                    WriteLine(_formatter.Format(entry));
                }

                if (entry.Verdict == Verdict.Blocked)
                {
                    _blocks?.OnBlocked(entry); // after the line is written: a fault there cannot cost it
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A bug in formatting one entry must cost that line, not the log.
                long lost = Interlocked.Increment(ref _lostLines);
                if (_entryErrors.TryEnter(out _))
                {
                    QueryLogLog.EntryFailed(_logger, lost, ex);
                }
            }
        }

        return count;
    }

    private void WriteLine(ReadOnlySpan<byte> line)
    {
        try
        {
            _file!.Write(line);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            long lost = Interlocked.Increment(ref _lostLines);
            if (_writeErrors.TryEnter(out _))
            {
                QueryLogLog.WriteFailed(_logger, _file!.Path, lost, ex);
            }

            _file!.Dispose(); // the next line opens the file again
        }
    }

    private void Flush()
    {
        try
        {
            _file?.Flush();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (_writeErrors.TryEnter(out _))
            {
                QueryLogLog.WriteFailed(_logger, _file!.Path, LostLines, ex);
            }

            _file?.Dispose();
        }
    }

    private void BlockEvent(in QueryLogEntry entry)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        // A budget per second: a page that trips a few rules logs every one, a flood logs a summary.
        NextBlockSecond();
        if (++_blocksThisSecond > BlockEventsPerSecond)
        {
            _blocksSuppressed++;
            return;
        }

        Span<char> text = stackalloc char[PresentationName.MaxChars];
        QueryLogLog.Blocked(_logger,
            new string(text[..PresentationName.Write(entry.QName, text)]),
            QueryLogFormatter.TypeName(entry.QType),
            entry.Client.ToString(),
            entry.Device?.Name ?? "no enrolled device",
            entry.Source?.Category ?? "unknown",
            entry.Source?.Name ?? "unknown",
            QueryLogFormatter.Rule(entry, text),
            QueryLogFormatter.ActionName(entry.Action));
    }

    /// <summary>Starts a new block-event budget when a second has passed, first summarising what the last one held back.</summary>
    private void NextBlockSecond()
    {
        long second = Environment.TickCount64 / 1000;
        if (second == _blockSecond)
        {
            return;
        }

        if (_blocksSuppressed > 0)
        {
            QueryLogLog.BlocksSuppressed(_logger, _blocksSuppressed, BlockEventsPerSecond);
            _blocksSuppressed = 0;
        }

        _blockSecond = second;
        _blocksThisSecond = 0;
    }

    private void ReportDrops(bool force)
    {
        long total = Queue.Dropped;
        long fresh = total - _reportedDrops;
        if (fresh > 0 && (force || _dropWarnings.TryEnter(out _)))
        {
            QueryLogLog.EntriesDropped(_logger, fresh, total);
            _reportedDrops = total;
        }
    }
}
