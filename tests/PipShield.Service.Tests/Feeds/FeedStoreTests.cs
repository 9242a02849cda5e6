using PipShield.Service.Feeds;

namespace PipShield.Service.Tests.Feeds;

/// <summary>The feed state file shared by the service and <c>pipshield feeds update</c>.</summary>
public sealed class FeedStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pipshield-feedstore-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task ConcurrentUpdatesOfDifferentFeeds_KeepEveryFeedsState()
    {
        // Four writers at once (as the service and a command refreshing other feeds would be), each recording its own
        // feeds: every write reads the file, changes one entry and writes it back, so without the lock most are lost.
        Task[] writers = [.. Enumerable.Range(0, 4).Select(writer => Task.Run(() =>
        {
            var store = new FeedStore(_folder); // one store each, as separate processes have
            for (int feed = 0; feed < 10; feed++)
            {
                store.Update($"feed-{writer}-{feed}", new FeedState { ETag = $"\"{writer}-{feed}\"", Entries = (writer * 100) + feed });
            }
        }, TestContext.Current.CancellationToken))];
        await Task.WhenAll(writers);

        Dictionary<string, FeedState> states = new FeedStore(_folder).Load();
        Assert.Equal(40, states.Count);
        Assert.All(states, entry => Assert.Equal($"\"{entry.Key["feed-".Length..]}\"", entry.Value.ETag));
    }
}
