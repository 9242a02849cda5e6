using Microsoft.Extensions.Logging;
using PipShield.Blocklist.Compiling;

namespace PipShield.Service.Feeds;

/// <summary>
/// One refresh of one feed: download, check, and keep. An update becomes the last good copy
/// (<c>feeds/NAME.list</c>, replaced by a rename) only when it parses, holds at least
/// <see cref="FeedsOptions.MinEntries"/> entries and has not shrunk by more than
/// <see cref="FeedsOptions.MaxShrinkPercent"/> (unless forced). Anything else keeps the last good copy and logs
/// one warning naming the feed, the URL and the reason. Refreshes through one instance never overlap.
/// </summary>
internal sealed class FeedRefresher(FeedsOptions options, FeedStore store, HttpClient http, ILogger logger, TimeProvider time)
{
    /// <summary>Below this many entries the shrink limit is not applied: a list of a few dozen entries can halve
    /// in a normal day.</summary>
    public const int ShrinkCheckFloor = 100;

    private readonly SemaphoreSlim _gate = new(1, 1);

    public FeedStore Store => store;

    /// <param name="force">Accept an update that shrank by more than the limit.</param>
    public async Task<FeedOutcome> RefreshAsync(FeedDefinition feed, bool force, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(store.Folder);
            string file = store.FileOf(feed.Name);
            string temp = store.TempFileOf(feed.Name);
            FeedState? previous = store.Load().GetValueOrDefault(feed.Name);
            bool haveCopy = File.Exists(file);
            FeedOutcome outcome;
            FeedDownload download;
            try
            {
                download = await new FeedDownloader(http, options).DownloadAsync(feed, previous, haveCopy, temp, cancellationToken).ConfigureAwait(false);
                outcome = download.Outcome switch
                {
                    FeedDownloadOutcome.NotModified => new FeedOutcome(feed, FeedResult.NotModified),
                    FeedDownloadOutcome.Failed => new FeedOutcome(feed, FeedResult.Failed, download.Reason),
                    _ => Accept(feed, temp, file, haveCopy ? previous?.Entries ?? 0 : 0, force),
                };
            }
            finally
            {
                TryDelete(temp);
            }

            store.Update(feed.Name, Record(previous, outcome, download));
            Log(outcome);
            return outcome;
        }
        finally
        {
            _gate.Release();
        }
    }

    private FeedOutcome Accept(FeedDefinition feed, string temp, string file, int previousEntries, bool force)
    {
        string? problem = Check(feed, temp, previousEntries, force, out int entries);
        if (problem is not null)
        {
            return new FeedOutcome(feed, FeedResult.Failed, problem, Entries: entries);
        }

        long bytes = new FileInfo(temp).Length;
        File.Move(temp, file, overwrite: true); // same folder: readers see the old copy or the new one, never half
        return new FeedOutcome(feed, FeedResult.Updated, Bytes: bytes, Entries: entries);
    }

    /// <summary>Parses the download as the image compiler will.</summary>
    /// <returns>Null when the copy may be used; otherwise why not.</returns>
    private string? Check(FeedDefinition feed, string path, int previousEntries, bool force, out int entries)
    {
        entries = 0;
        SourceSummary summary;
        try
        {
            summary = new BlocklistCompiler().AddFile(path, new SourceDescriptor(feed.Name, feed.Category, feed.Format, feed.Action));
        }
        catch (BlocklistCompileException ex)
        {
            return $"unparseable: {ex.Message}";
        }

        entries = summary.Accepted;
        if (summary.IsRejected)
        {
            return $"unparseable: {summary.Rejected} malformed lines, first {summary.Errors.FirstOrDefault()}";
        }

        int minEntries = feed.MinEntries ?? options.MinEntries;
        if (entries < minEntries)
        {
            string key = feed.MinEntries is null ? "Feeds:MinEntries" : "the feed's minEntries";
            return $"only {entries} valid entries ({summary.Rejected} malformed lines), fewer than {key} ({minEntries})";
        }

        if (!force && previousEntries >= ShrinkCheckFloor && entries < previousEntries * (100 - options.MaxShrinkPercent) / 100.0)
        {
            return $"shrank from {previousEntries} to {entries} entries, more than Feeds:MaxShrinkPercent ({options.MaxShrinkPercent} %); "
                + $"'pipshield feeds update --force --feed {feed.Name}' accepts it";
        }

        return null;
    }

    private FeedState Record(FeedState? previous, FeedOutcome outcome, FeedDownload download)
    {
        FeedState state = previous ?? new FeedState();
        state.Checked = time.GetUtcNow();
        state.Result = outcome.ResultText;
        state.Error = outcome.Reason;
        if (outcome.Result == FeedResult.Updated)
        {
            // Validators belong to the copy kept: a refused body's ETag must not turn its retry into a 304.
            state.ETag = download.ETag;
            state.LastModified = download.LastModified;
            state.Entries = outcome.Entries;
            state.Bytes = outcome.Bytes;
            state.Updated = state.Checked;
        }

        return state;
    }

    private void Log(FeedOutcome outcome)
    {
        switch (outcome.Result)
        {
            case FeedResult.Updated:
                FeedsLog.Updated(logger, outcome.Feed.Name, outcome.Feed.Location, outcome.Entries, outcome.Bytes);
                break;
            case FeedResult.NotModified:
                FeedsLog.NotModified(logger, outcome.Feed.Name, outcome.Feed.Location);
                break;
            default:
                FeedsLog.Refused(logger, outcome.Feed.Name, outcome.Feed.Location, outcome.Reason ?? "unknown");
                break;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover hidden .download file is harmless; the next refresh uses a new name.
        }
    }
}
