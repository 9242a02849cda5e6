using PipShield.Blocklist.Compiling;
using PipShield.Service.Cli;

namespace PipShield.Service.Feeds;

/// <summary>The last good copies of the enabled feeds, as inputs to the image compiler.</summary>
internal static class FeedInputs
{
    /// <summary>Each enabled catalogue feed whose last good copy is on disk; none when feeds are off.</summary>
    /// <exception cref="FeedCatalogException">The catalogue cannot be read.</exception>
    public static List<ListInput> Of(FeedsOptions options, string catalogPath, string stateDirectory)
    {
        if (!options.Enabled)
        {
            return [];
        }

        var store = new FeedStore(stateDirectory);
        var inputs = new List<ListInput>();
        foreach (FeedDefinition feed in FeedCatalog.Load(catalogPath))
        {
            string file = store.FileOf(feed.Name);
            if (feed.Enabled && File.Exists(file))
            {
                inputs.Add(new ListInput(file, new SourceDescriptor(feed.Name, feed.Category, feed.Format, feed.Action)));
            }
        }

        return inputs;
    }
}
