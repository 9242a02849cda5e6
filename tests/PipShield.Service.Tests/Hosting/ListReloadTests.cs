using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PipShield.Blocklist.Compiling;
using PipShield.Service.Hosting;
using PipShield.Service.Tests.Cli;

namespace PipShield.Service.Tests.Hosting;

/// <summary>Lists changed under a running service: good updates go into service, bad ones never do.</summary>
public sealed class ListReloadTests : IDisposable
{
    private const string Sinkhole = "192.0.2.80";
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private string ImagePath => _workspace.PathOf("live.pipbl");

    private static byte[] Compile(string names)
    {
        var compiler = new BlocklistCompiler();
        compiler.AddSource(new SourceDescriptor("reload-test", "phishing", PipShield.Blocklist.Parsing.ListFormat.Domains), new StringReader(names));
        return compiler.ToArray();
    }

    /// <summary>Puts <paramref name="bytes"/> at <paramref name="path"/> the way a deployment should: write aside, then rename.</summary>
    private static void Replace(string path, byte[] bytes)
    {
        string temporary = path + ".new";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    private async Task<(IHost Host, int Port)> StartAsync(RunSettings settings)
    {
        IHost host = ResolverHost.Build(settings);
        await host.StartAsync(TestContext.Current.CancellationToken);
        return (host, settings.Listen[0] is var listen ? int.Parse(listen[(listen.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture) : 0);
    }

    private RunSettings Settings(string interval, string? image = null, string? list = null)
    {
        int port = HostTestKit.FreePort();
        return new RunSettings
        {
            Listen = [$"127.0.0.1:{port}"],
            Upstreams = ["127.0.0.1:9"], // nothing answers: an unblocked name gets SERVFAIL
            Image = image,
            Lists = list is null ? [] : [list],
            Overrides = new()
            {
                ["Lists:StateDirectory"] = _workspace.Folder,
                ["Feeds:Enabled"] = "false", // no live feed downloads from tests
                ["Lists:ReloadCheckInterval"] = interval,
                ["Resolver:Policy:SinkholeIPv4"] = Sinkhole,
                ["Resolver:Upstream:Deadline"] = "00:00:00.300",
                ["Resolver:Upstream:Timeout"] = "00:00:00.200",
            },
        };
    }

    private static async Task<bool> IsBlockedAsync(int port, string name)
    {
        IDnsQueryResponse response = await HostTestKit.Client(port).QueryAsync(name, QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
        return response.Answers.ARecords().Any(a => a.Address.ToString() == Sinkhole);
    }

    /// <summary>Polls every 50 ms for at most 15 s.</summary>
    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        for (int i = 0; i < 300; i++)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return false;
    }

    private static ListReloader Reloader(IHost host) => host.Services.GetRequiredService<ResolverHostedService>().Reloader!;

    [Fact]
    public async Task ReplacedImage_GoesIntoService_WithoutARestart()
    {
        Replace(ImagePath, Compile("old-threat.example.net\n"));
        (IHost host, int port) = await StartAsync(Settings("00:00:00.100", image: ImagePath));
        try
        {
            Assert.True(await IsBlockedAsync(port, "old-threat.example.net"));
            Assert.False(await IsBlockedAsync(port, "new-threat.example.net"));

            Replace(ImagePath, Compile("new-threat.example.net\n"));

            Assert.True(await EventuallyAsync(() => IsBlockedAsync(port, "new-threat.example.net")), "the new image never went into service");
            Assert.False(await IsBlockedAsync(port, "old-threat.example.net"));
            Assert.Equal(1, Reloader(host).Succeeded);
            Assert.Equal(0, Reloader(host).Failed);
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
            host.Dispose();
        }
    }

    public static TheoryData<string> BadUpdates => ["truncated", "garbage", "empty file", "no rules", "deleted"];

    [Theory]
    [MemberData(nameof(BadUpdates))]
    public async Task BadImageUpdate_KeepsTheLastGoodImage_CountsTheFailure_AndAGoodOneStillGetsIn(string update)
    {
        byte[] good = Compile("old-threat.example.net\n");
        Replace(ImagePath, good);
        (IHost host, int port) = await StartAsync(Settings("00:00:00.100", image: ImagePath));
        try
        {
            switch (update)
            {
                case "truncated": Replace(ImagePath, good[..(good.Length / 2)]); break;
                case "garbage": Replace(ImagePath, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))]); break;
                case "empty file": Replace(ImagePath, []); break;
                case "no rules": Replace(ImagePath, Compile("# an update that lost every line\n")); break;
                case "deleted": File.Delete(ImagePath); break;
            }

            Assert.True(await EventuallyAsync(() => Task.FromResult(Reloader(host).Failed == 1)), "the bad update was not noticed");
            Assert.True(await IsBlockedAsync(port, "old-threat.example.net"), "the last good image is no longer in service");
            Assert.False(string.IsNullOrWhiteSpace(Reloader(host).LastError));

            Replace(ImagePath, Compile("new-threat.example.net\n"));
            Assert.True(await EventuallyAsync(() => IsBlockedAsync(port, "new-threat.example.net")), "a good update after a bad one never went into service");
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
            host.Dispose();
        }
    }

    [Fact]
    public async Task EditedListFile_IsCompiledAgain_AndServed()
    {
        string list = _workspace.PathOf("live.domains.txt");
        File.WriteAllText(list, "old-threat.example.net\n");
        (IHost host, int port) = await StartAsync(Settings("00:00:00.100", list: list + ":domains:phishing"));
        try
        {
            Assert.True(await IsBlockedAsync(port, "old-threat.example.net"));

            File.AppendAllText(list, "new-threat.example.net\n");
            File.SetLastWriteTimeUtc(list, DateTime.UtcNow.AddSeconds(5)); // a change even on a coarse clock

            Assert.True(await EventuallyAsync(() => IsBlockedAsync(port, "new-threat.example.net")), "the edited list never went into service");
            Assert.True(await IsBlockedAsync(port, "old-threat.example.net"));
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
            host.Dispose();
        }
    }

    [Fact]
    public async Task Reload_AsOnSighup_PutsTheNewListsInServiceAtOnce_EvenWithFileChecksOff()
    {
        Replace(ImagePath, Compile("old-threat.example.net\n"));
        (IHost host, int port) = await StartAsync(Settings("00:00:00", image: ImagePath));
        try
        {
            Replace(ImagePath, Compile("new-threat.example.net\n"));
            await Task.Delay(300, TestContext.Current.CancellationToken);
            Assert.False(await IsBlockedAsync(port, "new-threat.example.net")); // file checks are off

            Assert.True(await Reloader(host).ReloadAsync("SIGHUP", TestContext.Current.CancellationToken));

            Assert.True(await IsBlockedAsync(port, "new-threat.example.net"));
            Assert.False(await IsBlockedAsync(port, "old-threat.example.net"));
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
            host.Dispose();
        }
    }
}
