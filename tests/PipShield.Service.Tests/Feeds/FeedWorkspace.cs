using System.Net;
using System.Text.Json;
using PipShield.Service.Tests.Cli;

namespace PipShield.Service.Tests.Feeds;

/// <summary>
/// A temporary folder with a feed catalogue, a configuration file pointing the service at it (state directory
/// inside the folder, upstream = a fake DNS server on loopback) and helpers to run <c>pipshield feeds …</c>.
/// </summary>
internal sealed class FeedWorkspace : IAsyncDisposable
{
    private FeedWorkspace(FakeDnsUpstream dns, FeedServer server)
    {
        Dns = dns;
        Server = server;
        Folder = Path.Combine(Path.GetTempPath(), "pipshield-feeds-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public FakeDnsUpstream Dns { get; }

    public FeedServer Server { get; }

    public string StateDirectory => Path.Combine(Folder, "state");

    public string CatalogPath => Path.Combine(Folder, "feeds.json");

    public string ConfigPath => Path.Combine(Folder, "pipshield.json");

    /// <summary>Starts the fake upstream (feeds.test → 127.0.0.1, every other name NXDOMAIN) and the feed server.</summary>
    public static async Task<FeedWorkspace> StartAsync()
    {
        var dns = FakeDnsUpstream.Start(defaultAddress: null, ("feeds.test", IPAddress.Loopback));
        var workspace = new FeedWorkspace(dns, await FeedServer.StartAsync());
        workspace.Configure();
        return workspace;
    }

    /// <summary>The last good copy of a feed in the state directory.</summary>
    public string CopyOf(string feed) => Path.Combine(StateDirectory, "feeds", feed + ".list");

    /// <summary>Writes the catalogue: one enabled feed per entry.</summary>
    public void Catalog(params (string Name, string Url, string Format)[] feeds) =>
        File.WriteAllText(CatalogPath, JsonSerializer.Serialize(new
        {
            feeds = feeds.Select(f => new { name = f.Name, url = f.Url, format = f.Format, category = "phishing", licence = "test", refresh = "01:00:00" }),
        }));

    /// <summary>Writes the configuration; <paramref name="feeds"/> adds or replaces keys of the Feeds section.</summary>
    public void Configure(Dictionary<string, object>? feeds = null)
    {
        var section = new Dictionary<string, object>
        {
            ["CatalogFile"] = CatalogPath,
            ["RetryCount"] = 2,
            ["RetryDelay"] = "00:00:00.050",
            ["Timeout"] = "00:00:10",
            ["MinEntries"] = 5,
        };
        foreach ((string key, object value) in feeds ?? [])
        {
            section[key] = value;
        }

        File.WriteAllText(ConfigPath, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["Resolver"] = new { Upstream = new { Servers = new[] { $"127.0.0.1:{Dns.Port}" } } },
            ["Lists"] = new { StateDirectory },
            ["Feeds"] = section,
        }));
    }

    public CliRun Update(params string[] arguments) => CliWorkspace.Run(["feeds", "update", "--config", ConfigPath, .. arguments]);

    public CliRun List(params string[] arguments) => CliWorkspace.Run(["feeds", "list", "--config", ConfigPath, .. arguments]);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Dns.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
