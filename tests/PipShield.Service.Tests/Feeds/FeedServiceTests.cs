using System.Diagnostics;
using System.Globalization;
using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PipShield.Service.Feeds;
using PipShield.Service.Hosting;
using PipShield.Service.Tests.Hosting;

namespace PipShield.Service.Tests.Feeds;

/// <summary>Feeds inside the running service: refreshed in the background and swapped in under live queries.</summary>
public sealed class FeedServiceTests : IAsyncLifetime
{
    private const string Sinkhole = "192.0.2.80";
    private const string Allowed = "192.0.2.1";
    private const string Target = "login-check.example.net"; // in small-phishing.domains.txt
    private FeedWorkspace _workspace = null!;
    private FakeDnsUpstream _upstream = null!;

    public async ValueTask InitializeAsync()
    {
        _workspace = await FeedWorkspace.StartAsync();
        // The resolver's upstream: feeds.test is the feed server; every other name gets an "allowed" address.
        _upstream = FakeDnsUpstream.Start(IPAddress.Parse(Allowed), ("feeds.test", IPAddress.Loopback));
    }

    public async ValueTask DisposeAsync()
    {
        await _upstream.DisposeAsync();
        await _workspace.DisposeAsync();
    }

    private async Task<(IHost Host, int Port)> StartServiceAsync(string startDelay, string reloadCheck = "00:00:00")
    {
        int port = HostTestKit.FreePort();
        IHost host = ResolverHost.Build(new RunSettings
        {
            Listen = [$"127.0.0.1:{port}"],
            Upstreams = [$"127.0.0.1:{_upstream.Port}"],
            Lists = [Path.Combine(AppContext.BaseDirectory, "TestData", "Feeds", "small-malware.hosts") + ":hosts:malware"],
            Overrides = new()
            {
                ["Lists:StateDirectory"] = _workspace.StateDirectory,
                ["Lists:ReloadCheckInterval"] = reloadCheck, // by default only the refresh's own reload swaps lists in
                ["Resolver:Policy:SinkholeIPv4"] = Sinkhole,
                ["Feeds:Enabled"] = "true",
                ["Feeds:CatalogFile"] = _workspace.CatalogPath,
                ["Feeds:StartDelay"] = startDelay,
                ["Feeds:RetryDelay"] = "00:00:00.050",
                ["Feeds:MinEntries"] = "5",
            },
        });
        await host.StartAsync(TestContext.Current.CancellationToken);
        return (host, port);
    }

    private static async Task<string?> AnswerAsync(LookupClient client, string name)
    {
        IDnsQueryResponse response = await client.QueryAsync(name, QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
        return response.HasError ? null : response.Answers.ARecords().FirstOrDefault()?.Address.ToString();
    }

    [Fact]
    public async Task Refresh_SwapsTheFeedIn_UnderAQueryingClient_WithoutAFailedQuery()
    {
        _workspace.Catalog(("phish", $"http://feeds.test:{_workspace.Server.Port}/phish.txt", "domains"));
        _workspace.Server.ServeFile("/phish.txt", FeedData.HandMade("small-phishing.domains.txt"));
        (IHost host, int port) = await StartServiceAsync(startDelay: "01:00:00");
        using (host)
        {
            LookupClient client = HostTestKit.Client(port);
            var answers = new List<string?>();
            var clock = Stopwatch.StartNew();
            Task<IReadOnlyList<FeedOutcome>>? refresh = null;
            int answersAfterRefresh = 0;
            for (int i = 0; i < 5000 && clock.Elapsed < TimeSpan.FromSeconds(60) && answersAfterRefresh < 50; i++)
            {
                answers.Add(await AnswerAsync(client, Target));
                if (answers.Count == 20)
                {
                    refresh = host.Services.GetRequiredService<FeedRefreshService>()
                        .RefreshNowAsync(null, force: false, TestContext.Current.CancellationToken);
                }

                answersAfterRefresh += refresh is { IsCompleted: true } ? 1 : 0;
            }

            Assert.NotNull(refresh);
            FeedOutcome outcome = Assert.Single(await refresh);
            Assert.Equal(FeedResult.Updated, outcome.Result);
            Assert.All(answers, a => Assert.NotNull(a)); // every query got an address: none failed or timed out
            Assert.Equal(Allowed, answers[0]);
            Assert.Equal(Sinkhole, answers[^1]);
            int firstBlocked = answers.IndexOf(Sinkhole);
            Assert.All(answers.Take(firstBlocked), a => Assert.Equal(Allowed, a));
            Assert.All(answers.Skip(firstBlocked), a => Assert.Equal(Sinkhole, a)); // once swapped in, it stays
            Assert.Equal(Sinkhole, await AnswerAsync(client, "sso-portal.example"));
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Service_StartsFromTheLastGoodCopies_AndKeepsThem_WhenFeedsAreUnreachable()
    {
        _workspace.Catalog(("phish", _workspace.Server.Url("/phish.txt"), "domains"));
        _workspace.Server.ServeFile("/phish.txt", FeedData.HandMade("small-phishing.domains.txt"));
        Assert.Equal(0, _workspace.Update().ExitCode);
        // Now the feed server is gone: nothing listens where it was (loopback only, so no traffic leaves the machine).
        _workspace.Catalog(("phish", $"http://127.0.0.1:{HostTestKit.FreePort()}/phish.txt", "domains"));
        var stateFile = Path.Combine(_workspace.StateDirectory, "feeds", "state.json");
        File.WriteAllText(stateFile, "{}"); // no memory of a recent check: the first refresh runs at once

        (IHost host, int port) = await StartServiceAsync(startDelay: "00:00:00");
        using (host)
        {
            LookupClient client = HostTestKit.Client(port);
            Assert.Equal(Sinkhole, await AnswerAsync(client, Target));

            // Wait (at most 15 s) for the background refresh to record its failure.
            for (int i = 0; i < 300 && !File.ReadAllText(stateFile).Contains("\"failed\"", StringComparison.Ordinal); i++)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }

            Assert.Contains("\"failed\"", File.ReadAllText(stateFile), StringComparison.Ordinal);
            Assert.Equal(Sinkhole, await AnswerAsync(client, Target));
            Assert.True(File.Exists(_workspace.CopyOf("phish")));
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task FeedsUpdate_FromTheCommandLine_IsPickedUpByTheRunningService()
    {
        _workspace.Catalog(("phish", _workspace.Server.Url("/phish.txt"), "domains"));
        _workspace.Server.ServeFile("/phish.txt", FeedData.HandMade("small-phishing.domains.txt"));
        (IHost host, int port) = await StartServiceAsync(startDelay: "01:00:00", reloadCheck: "00:00:00.200");
        using (host)
        {
            LookupClient client = HostTestKit.Client(port);
            Assert.Equal(Allowed, await AnswerAsync(client, Target));

            Assert.Equal(0, _workspace.Update().ExitCode);

            string? answer = null;
            for (int i = 0; i < 300 && answer != Sinkhole; i++) // at most 300 × 50 ms
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
                answer = await AnswerAsync(client, Target);
            }

            Assert.Equal(Sinkhole, answer);
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }
}
