using System.Text.Json;
using PipShield.Service.Cli;

namespace PipShield.Service.Feeds;

/// <summary>
/// The feeds' folder in the state directory: the last good copy of each feed (<c>feeds/NAME.list</c>) and
/// <c>feeds/state.json</c>. Files are only ever replaced by a rename, so a reader never sees half a file.
/// </summary>
internal sealed class FeedStore(string stateDirectory)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The folder holding the feed files.</summary>
    public string Folder { get; } = Path.Combine(stateDirectory, "feeds");

    public string StatePath => Path.Combine(Folder, "state.json");

    /// <summary>The last good copy of <paramref name="feedName"/>; it may not exist yet.</summary>
    public string FileOf(string feedName) => Path.Combine(Folder, feedName + ".list");

    /// <summary>A scratch file for a download, hidden and unique to this process.</summary>
    public string TempFileOf(string feedName) => Path.Combine(Folder, $".{feedName}.{Environment.ProcessId}.{Guid.NewGuid():N}.download");

    /// <summary>Every feed's state; empty when the file is missing or unreadable (it is rebuilt on the next refresh).</summary>
    public Dictionary<string, FeedState> Load()
    {
        try
        {
            using FileStream stream = File.OpenRead(StatePath);
            return JsonSerializer.Deserialize<Dictionary<string, FeedState>>(stream, Json) ?? [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return [];
        }
    }

    /// <summary>Writes every feed's state at once (temporary file, then rename).</summary>
    /// <summary>
    /// Records <paramref name="state"/> for one feed: the file is read again under its lock and only that feed's entry
    /// replaced, so the service and a <c>pipshield feeds update</c> refreshing other feeds at the same time keep theirs.
    /// </summary>
    public void Update(string feedName, FeedState state)
    {
        Directory.CreateDirectory(Folder);
        using IDisposable writing = FileLock.Acquire(StatePath);
        Dictionary<string, FeedState> states = Load();
        states[feedName] = state;
        Save(states);
    }

    private void Save(Dictionary<string, FeedState> states)
    {
        Directory.CreateDirectory(Folder);
        AtomicFile.Write(StatePath, stream =>
        {
            JsonSerializer.Serialize(stream, states, Json);
            return true;
        });
    }
}
