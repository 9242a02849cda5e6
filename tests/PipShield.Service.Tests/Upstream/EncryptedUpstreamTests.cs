using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Hosting;
using PipShield.Resolver.Upstream;
using PipShield.Service.Hosting;
using PipShield.Service.Tests.Cli;
using PipShield.Service.Tests.Doh;
using PipShield.Service.Tests.Hosting;
using PipShield.Tests.Tls;

namespace PipShield.Service.Tests.Upstream;

/// <summary>
/// Upstreams over DNS-over-HTTPS against a Kestrel server, and the whole chain: a client asks PipShield over plain DNS,
/// PipShield asks another PipShield over DoT or DoH, and that one asks a plain upstream.
/// </summary>
public sealed class EncryptedUpstreamTests : IDisposable
{
    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task Doh_PostsDnsMessages_OverHttp2_OnOneConnection_WithIdZero_AndTheNameAsHost()
    {
        await using var server = await FakeDohServer.StartAsync(_certificates);
        using var pool = Pool($"https://127.0.0.1:{server.Port}/dns-query#{TestCertificates.HostName}");

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal([LoopbackUpstream.Address], await AddressesAsync(pool, $"seq{i}.example.org"));
        }

        string[][] concurrent = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => AddressesAsync(pool, $"par{i}.example.org")));

        Assert.All(concurrent, addresses => Assert.Equal([LoopbackUpstream.Address], addresses));
        IReadOnlyList<FakeDohRequest> requests = server.Requests;
        Assert.Equal(35, requests.Count);
        Assert.All(requests, r =>
        {
            Assert.Equal("HTTP/2", r.Protocol);
            Assert.Equal("POST", r.Method);
            Assert.Equal("/dns-query", r.Path);
            Assert.Equal("application/dns-message", r.ContentType);
            Assert.Equal(0, r.QueryId); // RFC 8484 §4.1
            Assert.Equal($"{TestCertificates.HostName}:{server.Port}", r.Host);
        });
        Assert.Single(requests.Select(r => r.ConnectionId).Distinct());
    }

    [Theory]
    [InlineData(FakeDohReply.ServerError)]
    [InlineData(FakeDohReply.Html)]
    public async Task Doh_ServerThatDoesNotAnswerDns_IsAFailure_AndTheNextServerAnswers(FakeDohReply reply)
    {
        await using var broken = await FakeDohServer.StartAsync(_certificates, reply);
        await using var good = await FakeDohServer.StartAsync(_certificates);
        using var pool = Pool($"https://127.0.0.1:{broken.Port}/dns-query", $"https://127.0.0.1:{good.Port}/dns-query");

        Assert.Equal([LoopbackUpstream.Address], await AddressesAsync(pool, "example.org"));

        // Untried servers go in configured order: the broken one was asked first and held against its health.
        Assert.Single(broken.Requests);
        Assert.Single(good.Requests);
        Assert.Equal(1, pool.Servers[0].ConsecutiveFailures);
    }

    [Fact]
    public async Task Doh_CertificateForAnotherName_IsRefused()
    {
        await using var server = await FakeDohServer.StartAsync(_certificates);
        var options = Options($"https://127.0.0.1:{server.Port}/dns-query#resolver.example.net");
        options.MaxAttempts = 1;
        using var pool = new UpstreamPool(options);

        var response = new byte[65535];
        UpstreamResult result = await pool.QueryAsync(Query("example.org"), response, TestContext.Current.CancellationToken);

        Assert.Equal(UpstreamStatus.NetworkError, result.Status);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData("tls")]
    [InlineData("https")]
    public async Task PipShield_ForwardsOverTlsOrHttps_ToAnotherPipShield(string scheme)
    {
        await using DohTestHost upstream = await DohTestHost.StartAsync(_certificates);
        string server = scheme == "tls"
            ? $"tls://{upstream.DotEndPoint}#{TestCertificates.HostName}"
            : $"https://{upstream.DohEndPoint}/dns-query#{TestCertificates.HostName}";
        using var workspace = new CliWorkspace();
        int port = HostTestKit.FreePort();
        using IHost front = ResolverHost.Build(new RunSettings
        {
            Listen = [$"127.0.0.1:{port}"],
            Upstreams = [server],
            Lists = [workspace.PathOf("sample-malware.hosts") + "::malware"],
            Overrides = new Dictionary<string, string?>
            {
                ["Lists:StateDirectory"] = workspace.Folder,
                ["BlockPage:Enabled"] = "false",
                ["Resolver:Upstream:CaFile"] = _certificates.CaFile,
            },
        });
        await front.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            LookupClient client = HostTestKit.Client(port);
            for (int i = 0; i < 10; i++)
            {
                IDnsQueryResponse allowed = await client.QueryAsync($"name{i}.example.org", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
                Assert.Equal(LoopbackUpstream.Address, Assert.Single(allowed.Answers.ARecords()).Address.ToString());
            }

            // Ten misses at the front reached the plain upstream behind the second PipShield, through the encrypted hop.
            Assert.True(upstream.UpstreamQueries >= 10, $"{upstream.UpstreamQueries} queries reached the last upstream");

            // A name on the second PipShield's list is blocked there and the block travels back: the front's own list is
            // another, so the answer shows the encrypted hop carried it.
            IDnsQueryResponse blocked = await client.QueryAsync(SamplePhishingName(workspace), QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal("127.0.0.1", Assert.Single(blocked.Answers.ARecords()).Address.ToString()); // its sinkhole
        }
        finally
        {
            await front.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ForwardingOverTls_ToItsOwnDotListener_IsRefusedAtStart()
    {
        using var workspace = new CliWorkspace();
        int dot = HostTestKit.FreePort();
        using IHost host = ResolverHost.Build(new RunSettings
        {
            Listen = [$"127.0.0.1:{HostTestKit.FreePort()}"],
            Upstreams = [$"tls://127.0.0.1:{dot}#{TestCertificates.HostName}"],
            Lists = [workspace.PathOf("sample-phishing.domains.txt") + "::phishing"],
            Overrides = new Dictionary<string, string?>
            {
                ["Lists:StateDirectory"] = workspace.Folder,
                ["BlockPage:Enabled"] = "false",
                ["Resolver:Server:Tls:CertificateFile"] = _certificates.CertificateFile,
                ["Resolver:Server:Tls:KeyFile"] = _certificates.KeyFile,
                ["Resolver:Server:TlsEndPoints:0"] = $"127.0.0.1:{dot}",
                ["Doh:Enabled"] = "false",
            },
        });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Resolver:Upstream:Servers", error.Message, StringComparison.Ordinal);
        Assert.Contains("itself", error.Message, StringComparison.Ordinal);
    }

    private static string SamplePhishingName(CliWorkspace workspace) =>
        File.ReadLines(workspace.PathOf("sample-phishing.domains.txt")).First(line => line.Length > 0 && !line.StartsWith('#')).Trim();

    private UpstreamOptions Options(params string[] servers) => new()
    {
        Servers = [.. servers],
        CaFile = _certificates.CaFile,
        Timeout = TimeSpan.FromSeconds(3),
        Deadline = TimeSpan.FromSeconds(8),
    };

    private UpstreamPool Pool(params string[] servers) => new(Options(servers));

    private static async Task<string[]> AddressesAsync(UpstreamPool pool, string name)
    {
        var response = new byte[65535];
        UpstreamResult result = await pool.QueryAsync(Query(name), response, TestContext.Current.CancellationToken);
        Assert.Equal(UpstreamStatus.Ok, result.Status);
        var message = ARSoft.Tools.Net.Dns.DnsMessage.Parse(response[..result.Length]);
        return [.. message.AnswerRecords.OfType<ARSoft.Tools.Net.Dns.ARecord>().Select(r => r.Address.ToString())];
    }

    private static byte[] Query(string name) => DohTests.Query(name, 0x2222);
}
