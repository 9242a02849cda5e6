namespace PipShield.Service.Alerts;

/// <summary>
/// Decides which signals become alerts. Per device, kind and rule: the first signal alerts; later ones within
/// <c>window</c> of that alert only move the last-seen time and add to the count; the first one after the window
/// alerts again (a repeat, carrying the whole count). A device quiet for a whole window starts afresh.
/// Not thread-safe; the reporter serialises calls.
/// </summary>
internal sealed class AlertWindow(TimeSpan window, int maxTracked = AlertWindow.DefaultMaxTracked)
{
    /// <summary>Episodes remembered at most, so a flood of spoofed sources cannot grow memory without bound.</summary>
    public const int DefaultMaxTracked = 10_000;

    private readonly Dictionary<Key, Episode> _episodes = [];

    /// <summary>Episodes being tracked now.</summary>
    public int Count => _episodes.Count;

    /// <summary>Takes <paramref name="signal"/> into account.</summary>
    /// <param name="settled">When the signal starts a new episode for the same device and rule before
    /// <see cref="Settle"/> has recorded the last one's final count: that update; otherwise null.</param>
    /// <returns>The alert to raise, or null when the signal only updated an alert already raised.</returns>
    public Alert? Observe(in AlertSignal signal, out Alert? settled)
    {
        var key = new Key(signal.Kind, signal.Device, signal.Rule);
        DateTimeOffset seen = signal.Seen;
        long count = Math.Max(1, signal.Count);
        settled = null;
        if (!_episodes.TryGetValue(key, out Episode? episode) || seen - episode.LastSeen >= window)
        {
            if (episode is not null && episode.Count > episode.ReportedCount)
            {
                settled = episode.Report(key, seen);
            }

            MakeRoom();
            episode = new Episode(Guid.NewGuid().ToString("N"), seen, signal.Category, signal.Source);
            _episodes[key] = episode;
            episode.LastSeen = seen;
            episode.Count = count;
            return episode.Raise(signal, seen, repeat: false);
        }

        // Signals can arrive slightly out of order (the firewall reports in batches): time never runs backwards here.
        if (seen > episode.LastSeen)
        {
            episode.LastSeen = seen;
        }

        episode.DeviceName = signal.DeviceName ?? episode.DeviceName;
        episode.Count += count;
        return seen - episode.AlertedAt >= window ? episode.Raise(signal, seen, repeat: true) : null;
    }

    /// <summary>
    /// Brings the record up to date: for each episode whose alert's window has passed (or every one, with
    /// <paramref name="all"/>) with signals since, an update carrying its count and last-seen time. Episodes quiet
    /// for a whole window are then forgotten.
    /// </summary>
    public List<Alert> Settle(DateTimeOffset now, bool all)
    {
        List<Alert> updates = [];
        foreach (KeyValuePair<Key, Episode> pair in _episodes)
        {
            Episode episode = pair.Value;
            if (episode.Count > episode.ReportedCount && (all || now - episode.AlertedAt >= window))
            {
                updates.Add(episode.Report(pair.Key, now));
            }

            if (now - episode.LastSeen >= window)
            {
                _episodes.Remove(pair.Key);
            }
        }

        return updates;
    }

    /// <summary>Forgets episodes quiet for a whole window; when still full, the one quiet longest.</summary>
    private void MakeRoom()
    {
        if (_episodes.Count < maxTracked)
        {
            return;
        }

        DateTimeOffset newest = _episodes.Values.Max(e => e.LastSeen);
        foreach (KeyValuePair<Key, Episode> pair in _episodes)
        {
            if (newest - pair.Value.LastSeen >= window)
            {
                _episodes.Remove(pair.Key);
            }
        }

        if (_episodes.Count >= maxTracked)
        {
            _episodes.Remove(_episodes.MinBy(p => p.Value.LastSeen).Key);
        }
    }

    private readonly record struct Key(AlertKind Kind, string Device, string Rule);

    private sealed class Episode(string id, DateTimeOffset firstSeen, string category, string source)
    {
        public DateTimeOffset LastSeen { get; set; }

        public DateTimeOffset AlertedAt { get; private set; }

        public long Count { get; set; }

        /// <summary>The enrolled device's name, once a signal has named it.</summary>
        public string? DeviceName { get; set; }

        /// <summary>The count the last alert or update carried.</summary>
        public long ReportedCount { get; private set; }

        public Alert Raise(in AlertSignal signal, DateTimeOffset now, bool repeat)
        {
            AlertedAt = now;
            ReportedCount = Count;
            DeviceName = signal.DeviceName ?? DeviceName;
            return new Alert(id, signal.Kind, signal.Device, DeviceName, signal.Rule, category, source, now, firstSeen, LastSeen, Count, repeat);
        }

        public Alert Report(Key key, DateTimeOffset now)
        {
            ReportedCount = Count;
            return new Alert(id, key.Kind, key.Device, DeviceName, key.Rule, category, source, now, firstSeen, LastSeen, Count, Repeat: false, Update: true);
        }
    }
}
