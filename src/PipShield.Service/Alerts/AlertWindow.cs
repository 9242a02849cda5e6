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
    /// <returns>The alert to raise, or null when the signal only updated an alert already raised.</returns>
    public Alert? Observe(in AlertSignal signal)
    {
        var key = new Key(signal.Kind, signal.Device, signal.Rule);
        DateTimeOffset seen = signal.Seen;
        long count = Math.Max(1, signal.Count);
        if (!_episodes.TryGetValue(key, out Episode? episode) || seen - episode.LastSeen >= window)
        {
            MakeRoom();
            episode = new Episode(Guid.NewGuid().ToString("N"), seen);
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

        episode.Count += count;
        return seen - episode.AlertedAt >= window ? episode.Raise(signal, seen, repeat: true) : null;
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

    private sealed class Episode(string id, DateTimeOffset firstSeen)
    {
        public DateTimeOffset LastSeen { get; set; }

        public DateTimeOffset AlertedAt { get; private set; }

        public long Count { get; set; }

        public Alert Raise(in AlertSignal signal, DateTimeOffset now, bool repeat)
        {
            AlertedAt = now;
            return new Alert(id, signal.Kind, signal.Device, null, signal.Rule, signal.Category, signal.Source, now, firstSeen, LastSeen, Count, repeat);
        }
    }
}
