using System.Globalization;
using System.Text.Json;
using DnsClient;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PipShield.Service.Hosting;
using PipShield.Service.QueryLog;
using PipShield.Service.Tests.Cli;
using PipShield.Service.Tests.Hosting;

namespace PipShield.Service.Tests.QueryLog;

/// <summary>The query log file as <c>pipshield run</c> writes it, read back after real queries over loopback.</summary>
public sealed class QueryLogHostTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private string LogPath => _workspace.PathOf("logs/queries.jsonl");

    [Fact]
    public async Task Log_HasOneJsonLinePerQuery_WithWhatEachClientGot()
    {
        await using var upstream = new LoopbackUpstream();
        int port = HostTestKit.FreePort();
        await RunAsync(port, upstream, new() { ["QueryLog:LogAllowed"] = "true" }, async () =>
        {
            await HostTestKit.Client(port).QueryAsync("login.phish.example.net", QueryType.A, cancellationToken: Cancel);
            await TcpClient(port).QueryAsync("www.example.org", QueryType.A, cancellationToken: Cancel);
            await HostTestKit.Client(port).QueryAsync("version.bind", QueryType.TXT, QueryClass.CH, cancellationToken: Cancel);
        });

        List<JsonElement> lines = ReadLines(LogPath);
        Assert.Equal(3, lines.Count);

        JsonElement blocked = lines[0];
        Assert.Equal("blocked", blocked.GetProperty("result").GetString());
        Assert.Equal("login.phish.example.net", blocked.GetProperty("name").GetString());
        Assert.Equal("A", blocked.GetProperty("type").GetString());
        Assert.Equal("NOERROR", blocked.GetProperty("rcode").GetString());
        Assert.Equal("udp", blocked.GetProperty("transport").GetString());
        Assert.Equal("127.0.0.1", blocked.GetProperty("client").GetString());
        Assert.Equal(JsonValueKind.Null, blocked.GetProperty("device").ValueKind);
        Assert.Equal("phishing", blocked.GetProperty("category").GetString());
        Assert.Contains("sample-phishing", blocked.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal("phish.example.net", blocked.GetProperty("rule").GetString());
        Assert.Equal("sinkhole", blocked.GetProperty("action").GetString());
        Assert.True(blocked.GetProperty("ms").GetDouble() >= 0);
        string time = blocked.GetProperty("time").GetString()!;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", time);
        DateTime logged = DateTime.Parse(time, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        Assert.InRange(logged, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));

        JsonElement forwarded = lines[1];
        Assert.Equal("forwarded", forwarded.GetProperty("result").GetString());
        Assert.Equal("www.example.org", forwarded.GetProperty("name").GetString());
        Assert.Equal("tcp", forwarded.GetProperty("transport").GetString());
        Assert.Equal("NOERROR", forwarded.GetProperty("rcode").GetString());
        Assert.False(forwarded.TryGetProperty("rule", out _));

        JsonElement refused = lines[2];
        Assert.Equal("refused", refused.GetProperty("result").GetString());
        Assert.Equal("REFUSED", refused.GetProperty("rcode").GetString());
        Assert.Equal("TXT", refused.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Log_ByDefault_HasBlocksOnly()
    {
        await using var upstream = new LoopbackUpstream();
        int port = HostTestKit.FreePort();
        await RunAsync(port, upstream, [], async () =>
        {
            await HostTestKit.Client(port).QueryAsync("www.example.org", QueryType.A, cancellationToken: Cancel);
            await HostTestKit.Client(port).QueryAsync("phish.example.net", QueryType.AAAA, cancellationToken: Cancel);
        });

        JsonElement line = Assert.Single(ReadLines(LogPath));
        Assert.Equal("phish.example.net", line.GetProperty("name").GetString());
        Assert.Equal("AAAA", line.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Log_ReachesTheFile_WhileTheServiceRuns()
    {
        await using var upstream = new LoopbackUpstream();
        int port = HostTestKit.FreePort();
        string? line = null;
        await RunAsync(port, upstream, [], async () =>
        {
            await HostTestKit.Client(port).QueryAsync("phish.example.net", QueryType.A, cancellationToken: Cancel);

            // The writer flushes within a second; allow five on a loaded machine.
            for (int attempt = 0; attempt < 50 && line is null; attempt++)
            {
                await Task.Delay(100, Cancel);
                line = ReadShared(LogPath);
            }
        });

        Assert.NotNull(line);
        Assert.Contains("\"name\":\"phish.example.net\"", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true", "127.0.0.0")]
    [InlineData("false", "127.0.0.1")]
    public async Task Log_MasksClientAddresses_OnlyWhenAnonymising(string anonymize, string client)
    {
        await using var upstream = new LoopbackUpstream();
        int port = HostTestKit.FreePort();
        await RunAsync(port, upstream, new() { ["QueryLog:AnonymizeClients"] = anonymize }, async () =>
            await HostTestKit.Client(port).QueryAsync("phish.example.net", QueryType.A, cancellationToken: Cancel));

        Assert.Equal(client, Assert.Single(ReadLines(LogPath)).GetProperty("client").GetString());
    }

    [Fact]
    public async Task Rotation_AtASmallSize_KeepsEveryLineAcrossOwnerOnlyFiles()
    {
        const int Queries = 40;
        await using var upstream = new LoopbackUpstream();
        int port = HostTestKit.FreePort();
        await RunAsync(port, upstream, new() { ["QueryLog:MaxFileBytes"] = "1024", ["QueryLog:MaxFiles"] = "100" }, async () =>
        {
            LookupClient client = HostTestKit.Client(port);
            for (int i = 0; i < Queries; i++)
            {
                await client.QueryAsync($"host{i}.phish.example.net", QueryType.A, cancellationToken: Cancel);
            }
        });

        string[] files = LogFiles();
        Assert.True(files.Length > 1, "a 1 KiB limit must rotate 40 lines of about 300 bytes");
        var names = files.SelectMany(ReadLines).Select(l => l.GetProperty("name").GetString()).Order().ToList();
        Assert.Equal(Enumerable.Range(0, Queries).Select(i => $"host{i}.phish.example.net").Order(), names);
        foreach (string file in files)
        {
            Assert.InRange(new FileInfo(file).Length, 1, 1024);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }
        }
    }

    [Fact]
    public async Task Rotation_KeepsAtMostMaxFiles_TheNewestLines()
    {
        const int Queries = 30;
        await using var upstream = new LoopbackUpstream();
        int port = HostTestKit.FreePort();
        await RunAsync(port, upstream, new() { ["QueryLog:MaxFileBytes"] = "1024", ["QueryLog:MaxFiles"] = "2" }, async () =>
        {
            LookupClient client = HostTestKit.Client(port);
            for (int i = 0; i < Queries; i++)
            {
                await client.QueryAsync($"host{i}.phish.example.net", QueryType.A, cancellationToken: Cancel);
            }
        });

        string[] files = LogFiles();
        Assert.Equal(2, files.Length);
        Assert.Equal($"host{Queries - 1}.phish.example.net", ReadLines(LogPath)[^1].GetProperty("name").GetString());
    }

    [Fact]
    public void Options_OutOfRange_StopStartup_NamingTheKey()
    {
        using IHost host = ResolverHost.Build(Settings(HostTestKit.FreePort(), null, new() { ["QueryLog:MaxFiles"] = "0" }));

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<QueryLogOptions>>().Value);
        Assert.Contains("QueryLog:MaxFiles", error.Message, StringComparison.Ordinal);
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static LookupClient TcpClient(int port) => new(new LookupClientOptions(new NameServer(System.Net.IPAddress.Loopback, port))
    {
        UseCache = false,
        Retries = 0,
        Timeout = TimeSpan.FromSeconds(3),
        ThrowDnsErrors = false,
        UseTcpOnly = true,
    });

    private async Task RunAsync(int port, LoopbackUpstream upstream, Dictionary<string, string?> overrides, Func<Task> queries)
    {
        using IHost host = ResolverHost.Build(Settings(port, upstream, overrides));
        await host.StartAsync(Cancel);
        try
        {
            await queries();
        }
        finally
        {
            await host.StopAsync(Cancel); // drains the queue and flushes the file
        }
    }

    private RunSettings Settings(int port, LoopbackUpstream? upstream, Dictionary<string, string?> overrides) => new()
    {
        Listen = [$"127.0.0.1:{port}"],
        Upstreams = [upstream?.EndPoint.ToString() ?? "127.0.0.1:9"],
        Lists = [_workspace.PathOf("sample-phishing.domains.txt") + "::phishing"],
        Overrides = new Dictionary<string, string?>(overrides)
        {
            ["Lists:StateDirectory"] = _workspace.Folder,
            ["QueryLog:Path"] = LogPath,
            ["Resolver:Upstream:Deadline"] = "00:00:01",
            ["Resolver:Upstream:Timeout"] = "00:00:00.500",
        },
    };

    private string[] LogFiles() => Directory.GetFiles(Path.GetDirectoryName(LogPath)!, "queries*.jsonl");

    /// <summary>The file's first line, read beside the writer that has it open; null while it is empty or absent.</summary>
    private static string? ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadLine();
    }

    private static List<JsonElement> ReadLines(string path) =>
        [.. File.ReadAllLines(path).Select(line => JsonDocument.Parse(line).RootElement.Clone())];
}
