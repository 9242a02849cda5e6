using System.Text;
using Microsoft.AspNetCore.Http;
using PipShield.Service.Tests.Cli;

namespace PipShield.Service.Tests.Feeds;

/// <summary><c>pipshield feeds update</c> against a feed server on loopback: good updates are kept, bad ones never replace the last good copy.</summary>
public sealed class FeedUpdateTests : IAsyncLifetime
{
    private FeedWorkspace _workspace = null!;

    public async ValueTask InitializeAsync() => _workspace = await FeedWorkspace.StartAsync();

    public async ValueTask DisposeAsync() => await _workspace.DisposeAsync();

    private FeedServer Server => _workspace.Server;

    private static byte[] Small => FeedData.HandMade("small-phishing.domains.txt");

    /// <summary>One feed named "phish" served at /phish.txt, first downloaded successfully.</summary>
    private byte[] StartWithGoodCopy(byte[]? body = null)
    {
        body ??= Small;
        _workspace.Catalog(("phish", Server.Url("/phish.txt"), "domains"));
        Server.ServeFile("/phish.txt", body);
        CliRun first = _workspace.Update();
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(body, File.ReadAllBytes(_workspace.CopyOf("phish")));
        return body;
    }

    private void AssertNoLeftoverDownloads() =>
        Assert.Empty(Directory.GetFiles(Path.Combine(_workspace.StateDirectory, "feeds"), "*.download*"));

    [Fact]
    public void Update_DownloadsRealFeeds_AndKeepsThemForTheService()
    {
        byte[] phishing = FeedData.Shared("blocklistproject-phishing.domains.txt");
        byte[] malware = FeedData.Shared("shadowwhisperer-malware.hosts.txt");
        _workspace.Catalog(("blp-phishing", Server.Url("/phishing-nl.txt"), "domains"), ("sw-malware", Server.Url("/Malware"), "hosts"));
        Server.ServeFile("/phishing-nl.txt", phishing, etag: "\"p1\"");
        Server.ServeFile("/Malware", malware, lastModified: DateTimeOffset.UtcNow.AddDays(-1));

        CliRun run = _workspace.Update();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(phishing, File.ReadAllBytes(_workspace.CopyOf("blp-phishing")));
        Assert.Equal(malware, File.ReadAllBytes(_workspace.CopyOf("sw-malware")));
        Assert.Contains(run.StderrLines, l => l.StartsWith("blp-phishing: downloading " + Server.Url("/phishing-nl.txt"), StringComparison.Ordinal));
        Assert.Contains(run.StderrLines, l => l.StartsWith("blp-phishing: updated: ", StringComparison.Ordinal) && l.Contains(" entries", StringComparison.Ordinal));
        Assert.All(Server.Requests, r => Assert.StartsWith("PipShield/", r.UserAgent, StringComparison.Ordinal));
        AssertNoLeftoverDownloads();
    }

    [Fact]
    public void Update_SendsTheETag_AndLeavesTheCopyAlone_On304()
    {
        _workspace.Catalog(("phish", Server.Url("/phish.txt"), "domains"));
        Server.ServeFile("/phish.txt", Small, etag: "\"v1\"");
        Assert.Equal(0, _workspace.Update().ExitCode);
        DateTime written = File.GetLastWriteTimeUtc(_workspace.CopyOf("phish"));

        CliRun second = _workspace.Update();

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("phish: not modified", second.StderrLines);
        Assert.Equal("\"v1\"", Server.Requests.Last().IfNoneMatch);
        Assert.Equal(written, File.GetLastWriteTimeUtc(_workspace.CopyOf("phish")));
    }

    [Fact]
    public void Update_SendsIfModifiedSince_WhenTheServerGivesOnlyLastModified()
    {
        var modified = new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
        _workspace.Catalog(("phish", Server.Url("/phish.txt"), "domains"));
        Server.ServeFile("/phish.txt", Small, lastModified: modified);
        Assert.Equal(0, _workspace.Update().ExitCode);

        CliRun second = _workspace.Update();

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("phish: not modified", second.StderrLines);
        Assert.Null(Server.Requests.Last().IfNoneMatch);
        Assert.Equal(modified, DateTimeOffset.Parse(Server.Requests.Last().IfModifiedSince!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Update_RefusesATruncatedBody_AndKeepsTheLastGoodCopy()
    {
        byte[] good = StartWithGoodCopy();
        byte[] longer = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(i => $"cut{i}.example.net\n")));
        Server.Map("/phish.txt", async context =>
        {
            context.Response.ContentLength = longer.Length;
            await context.Response.Body.WriteAsync(longer.AsMemory(0, longer.Length / 2));
            await context.Response.Body.FlushAsync();
            // Give the client time to read what was sent: a reset discards bytes still unread in its socket.
            await Task.Delay(200);
            context.Abort(); // the connection drops before Content-Length bytes arrived
        });

        CliRun run = _workspace.Update();

        Assert.Equal(1, run.ExitCode);
        // Normally the body is cut ("connection cut after N bytes"); if the reset overtakes the headers it is a send error.
        Assert.True(run.StderrLines.Any(l => l.StartsWith("phish: failed: ", StringComparison.Ordinal)
            && (l.Contains("truncated", StringComparison.Ordinal) || l.Contains("connection cut", StringComparison.Ordinal)
                || l.Contains("while sending the request", StringComparison.Ordinal))), run.ToString());
        Assert.Equal(good, File.ReadAllBytes(_workspace.CopyOf("phish")));
        AssertNoLeftoverDownloads();
    }

    [Fact]
    public void Update_RetriesAServerError_AndSucceeds()
    {
        _workspace.Catalog(("phish", Server.Url("/phish.txt"), "domains"));
        int calls = 0;
        Server.Map("/phish.txt", async context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return;
            }

            await context.Response.Body.WriteAsync(Small);
        });

        CliRun run = _workspace.Update();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(2, Server.CountOf("/phish.txt"));
        Assert.Equal(Small, File.ReadAllBytes(_workspace.CopyOf("phish")));
    }

    [Fact]
    public void Update_KeepsTheLastGoodCopy_WhenTheServerKeepsFailing()
    {
        byte[] good = StartWithGoodCopy();
        Server.Map("/phish.txt", context =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        });

        CliRun run = _workspace.Update();

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("phish: failed: HTTP 500 Internal Server Error", run.StderrLines);
        Assert.Equal(1 + 3, Server.CountOf("/phish.txt")); // the first download, then one try and RetryCount (2) retries
        Assert.Equal(good, File.ReadAllBytes(_workspace.CopyOf("phish")));
    }

    [Fact]
    public void Update_DoesNotRetryAClientError()
    {
        _workspace.Catalog(("phish", Server.Url("/gone.txt"), "domains"));

        CliRun run = _workspace.Update();

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("phish: failed: HTTP 404 Not Found", run.StderrLines);
        Assert.Equal(1, Server.CountOf("/gone.txt"));
        Assert.False(File.Exists(_workspace.CopyOf("phish")));
    }

    [Fact]
    public void Update_RefusesAFeedThatShrankTooMuch_UntilForced()
    {
        byte[] full = FeedData.Shared("blocklistproject-phishing.domains.txt");
        StartWithGoodCopy(full);
        string[] lines = Encoding.UTF8.GetString(full).Split('\n');
        byte[] shrunk = Encoding.UTF8.GetBytes(string.Join('\n', lines.Take(lines.Length / 10)));
        Server.ServeFile("/phish.txt", shrunk);

        CliRun refused = _workspace.Update();

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(refused.StderrLines, l => l.StartsWith("phish: failed: shrank from ", StringComparison.Ordinal) && l.Contains("--force", StringComparison.Ordinal));
        Assert.Equal(full, File.ReadAllBytes(_workspace.CopyOf("phish")));

        CliRun forced = _workspace.Update("--force", "--feed", "phish");

        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal(shrunk, File.ReadAllBytes(_workspace.CopyOf("phish")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Update_RefusesABodyOverTheCap_InsteadOfCuttingIt(bool announceLength)
    {
        _workspace.Configure(new() { ["MaxBytes"] = 4096 });
        _workspace.Catalog(("phish", Server.Url("/big.txt"), "domains"));
        byte[] big = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 1000).Select(i => $"name{i}.example.org\n")));
        Server.Map("/big.txt", async context =>
        {
            if (announceLength)
            {
                context.Response.ContentLength = big.Length;
            }

            await context.Response.Body.WriteAsync(big);
        });

        CliRun run = _workspace.Update();

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.StderrLines, l => l.StartsWith("phish: failed: ", StringComparison.Ordinal) && l.Contains("over Feeds:MaxBytes (4096", StringComparison.Ordinal));
        Assert.False(File.Exists(_workspace.CopyOf("phish")));
        AssertNoLeftoverDownloads();
    }

    [Fact]
    public void Update_AcceptsAGzipEncodedResponse()
    {
        _workspace.Catalog(("phish", Server.Url("/phish.txt"), "domains"));
        Server.ServeGzipEncoded("/phish.txt", Small);

        CliRun run = _workspace.Update();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("gzip", Server.Requests.Single().AcceptEncoding, StringComparison.Ordinal);
        Assert.Equal(Small, File.ReadAllBytes(_workspace.CopyOf("phish")));
    }

    [Fact]
    public void Update_UnpacksAGzFile()
    {
        byte[] hosts = FeedData.HandMade("small-malware.hosts");
        _workspace.Catalog(("malware", Server.Url("/malware.hosts.gz"), "hosts"));
        Server.ServeFile("/malware.hosts.gz", FeedServer.Gzip(hosts));

        CliRun run = _workspace.Update();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(hosts, File.ReadAllBytes(_workspace.CopyOf("malware")));
    }

    [Fact]
    public void Update_RefusesAGzFile_ThatUnpacksOverTheCap()
    {
        _workspace.Configure(new() { ["MaxBytes"] = 65536 });
        _workspace.Catalog(("phish", Server.Url("/phish.txt.gz"), "domains"));
        byte[] huge = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("same.example.org\n", 100_000)));
        byte[] packed = FeedServer.Gzip(huge);
        Assert.True(packed.Length < 65536, "the compressed file itself must fit under the cap");
        Server.ServeFile("/phish.txt.gz", packed);

        CliRun run = _workspace.Update();

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.StderrLines, l => l.StartsWith("phish: failed: the gzip content is over Feeds:MaxBytes (65536", StringComparison.Ordinal));
        Assert.False(File.Exists(_workspace.CopyOf("phish")));
        AssertNoLeftoverDownloads();
    }

    [Fact]
    public void Update_RefusesAPageThatIsNotAList_AndKeepsTheLastGoodCopy()
    {
        byte[] good = StartWithGoodCopy();
        Server.ServeFile("/phish.txt", FeedData.HandMade("captive-portal.html"));

        CliRun run = _workspace.Update();

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.StderrLines, l => l.StartsWith("phish: failed: only 0 valid entries", StringComparison.Ordinal)
            && l.Contains("fewer than Feeds:MinEntries (5)", StringComparison.Ordinal));
        Assert.Equal(good, File.ReadAllBytes(_workspace.CopyOf("phish")));
    }

    [Fact]
    public void Update_ResolvesTheFeedHost_ThroughTheConfiguredUpstream()
    {
        _workspace.Catalog(("phish", $"http://feeds.test:{Server.Port}/phish.txt", "domains"));
        Server.ServeFile("/phish.txt", Small);

        CliRun run = _workspace.Update();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("feeds.test", _workspace.Dns.Asked);
        Assert.Equal(Small, File.ReadAllBytes(_workspace.CopyOf("phish")));
    }

    [Fact]
    public void Update_FailsClearly_WhenTheUpstreamKnowsNoAddressForTheFeedHost()
    {
        _workspace.Catalog(("phish", $"http://unknown-feed.test:{Server.Port}/phish.txt", "domains"));
        Server.ServeFile("/phish.txt", Small);

        CliRun run = _workspace.Update();

        Assert.Equal(1, run.ExitCode);
        // Only the configured upstream is asked: the embedded defaults' resolvers must not be merged into it.
        Assert.True(run.StderrLines.Any(l => System.Text.RegularExpressions.Regex.IsMatch(l,
            $@"^phish: failed: .*unknown-feed\.test has no address at the upstreams 127\.0\.0\.1:{_workspace.Dns.Port}(:|$)")), run.ToString());
        Assert.Contains("unknown-feed.test", _workspace.Dns.Asked);
        Assert.Equal(0, Server.CountOf("/phish.txt"));
    }

    [Fact]
    public void Update_NamesAnUnknownFeed()
    {
        _workspace.Catalog(("phish", Server.Url("/phish.txt"), "domains"));

        CliRun run = _workspace.Update("--feed", "nope");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no feed named 'nope'", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(Server.Requests);
    }
}
