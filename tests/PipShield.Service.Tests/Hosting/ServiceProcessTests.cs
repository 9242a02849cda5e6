using System.Net.Sockets;
using System.Text;
using DnsClient;
using DnsClient.Protocol;

namespace PipShield.Service.Tests.Hosting;

/// <summary>
/// The built program as a service manager runs it: sd_notify messages on a fake NOTIFY_SOCKET, and SIGTERM
/// stopping it cleanly without dropping queries that are waiting on the upstream.
/// </summary>
public sealed class ServiceProcessTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _folder = Directory.CreateTempSubdirectory("pipshield-process-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static void SkipUnlessRunnable()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "sd_notify and SIGTERM are tested on Linux only");
        Assert.SkipWhen(PipShieldProcess.Program is null, "the pipshield apphost is not next to the tests; build the solution first");
    }

    /// <summary>No feeds, the compiled image in the test folder, and everything else from the embedded defaults.</summary>
    private Dictionary<string, string> ChildEnvironment(params (string Name, string Value)[] more)
    {
        var environment = new Dictionary<string, string>
        {
            ["PIPSHIELD__Lists__SourcesFile"] = "",
            ["PIPSHIELD__Lists__StateDirectory"] = _folder,
            ["PIPSHIELD__Resolver__Upstream__Timeout"] = "00:00:03",
            ["PIPSHIELD__Resolver__Upstream__Deadline"] = "00:00:04",
        };
        foreach ((string name, string value) in more)
        {
            environment[name] = value;
        }

        return environment;
    }

    [Fact]
    public async Task Run_WithNotifySocket_SendsReadyOnceItAnswers_AndStoppingOnSigterm_ThenExitsZero()
    {
        SkipUnlessRunnable();
        string socketPath = Path.Combine(_folder, "notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        await using var upstream = new LoopbackUpstream(TimeSpan.Zero);
        int port = HostTestKit.FreePort();

        using var process = PipShieldProcess.Start(_folder, ChildEnvironment(("NOTIFY_SOCKET", socketPath)),
            "run", "--listen", $"127.0.0.1:{port}", "--upstream", upstream.EndPoint.ToString());

        Assert.True(await ReceiveAsync(notify, "READY=1"), "no READY=1 within 30 s\n" + process.Output);
        IDnsQueryResponse response = await HostTestKit.Client(port).QueryAsync("example.org", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(LoopbackUpstream.Address, Assert.Single(response.Answers.ARecords()).Address.ToString());
        // The journal's format: a <priority> prefix, no timestamp (journald adds its own).
        Assert.Contains("<6>PipShield.Service[3101] Service manager: SystemdNotifySocket", process.Output, StringComparison.Ordinal);

        process.Terminate();

        Assert.True(await ReceiveAsync(notify, "STOPPING=1"), "no STOPPING=1 within 30 s\n" + process.Output);
        Assert.Equal(0, await process.WaitForExitAsync(Patience));
    }

    [Fact]
    public async Task Run_OnSigtermWhileStillStarting_StopsCleanly_AndExitsZero()
    {
        // The resolver answers before the warning page, feeds and the rest have started; a stop then is still
        // an ordinary stop, not a failure.
        SkipUnlessRunnable();
        int port = HostTestKit.FreePort();
        using var process = PipShieldProcess.Start(_folder, ChildEnvironment(("PIPSHIELD__BlockPage__HttpEndPoints__0", $"127.0.0.1:{HostTestKit.FreePort()}")),
            "run", "--listen", $"127.0.0.1:{port}", "--upstream", "127.0.0.1:9");
        Assert.True(await PipShieldProcess.EventuallyAsync(() => process.Output.Contains("PipShield resolving on", StringComparison.Ordinal), Patience),
            "not started within 30 s\n" + process.Output);

        process.Terminate();

        int? exit = await process.WaitForExitAsync(Patience);
        Assert.True(exit == 0, $"exit {exit}\n{process.Output}");
        Assert.DoesNotContain("pipshield:", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OnSigterm_AnswersTheQueriesInFlight_ThenExitsZero()
    {
        SkipUnlessRunnable();
        const int Queries = 8;
        await using var upstream = new LoopbackUpstream(TimeSpan.FromMilliseconds(500));
        int port = HostTestKit.FreePort();
        using var process = PipShieldProcess.Start(_folder, ChildEnvironment(),
            "run", "--listen", $"127.0.0.1:{port}", "--upstream", upstream.EndPoint.ToString());
        Assert.True(await PipShieldProcess.EventuallyAsync(() => process.Output.Contains("PipShield resolving on", StringComparison.Ordinal), Patience),
            "not started within 30 s\n" + process.Output);

        var client = new LookupClient(new LookupClientOptions(new DnsClient.NameServer(System.Net.IPAddress.Loopback, port))
        {
            UseCache = false,
            Retries = 0,
            Timeout = TimeSpan.FromSeconds(10),
            ThrowDnsErrors = false,
        });
        Task<IDnsQueryResponse>[] inFlight = [.. Enumerable.Range(0, Queries).Select(i =>
            client.QueryAsync($"q{i}.example.org", QueryType.A, cancellationToken: TestContext.Current.CancellationToken))];
        Assert.True(await PipShieldProcess.EventuallyAsync(() => upstream.Received >= Queries, Patience), $"the upstream got {upstream.Received} of {Queries} queries");

        process.Terminate(); // the upstream is still sitting on every one of them

        foreach (IDnsQueryResponse response in await Task.WhenAll(inFlight))
        {
            Assert.Equal(DnsHeaderResponseCode.NoError, response.Header.ResponseCode);
            Assert.Equal(LoopbackUpstream.Address, Assert.Single(response.Answers.ARecords()).Address.ToString());
        }

        Assert.Equal(0, await process.WaitForExitAsync(Patience));
    }

    /// <summary>Reads datagrams until one is <paramref name="expected"/>; false after 30 s without it.</summary>
    private static async Task<bool> ReceiveAsync(Socket socket, string expected)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        byte[] buffer = new byte[4096];
        try
        {
            for (int i = 0; i < 100; i++)
            {
                int length = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (Encoding.UTF8.GetString(buffer, 0, length).Split('\n').Contains(expected))
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return false;
    }
}
