using System.Net;
using DnsClient;
using PipShield.Blocklist;
using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Parsing;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.QueryLog;
using PipShield.Resolver.Server;
using PipShield.Resolver.Stages.Admission;
using PipShield.Resolver.Tests.Listeners;
using PipShield.Resolver.Stages.Cache;
using PipShield.Resolver.Stages.Policy;
using PipShield.Resolver.Stages.RateLimit;
using PipShield.Resolver.Upstream;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>
/// The whole resolver on a loopback port of its own, started as the service starts it (<see cref="ResolverEngine"/>): parse,
/// admission, policy, cache, upstream (an <see cref="UpstreamPool"/> pointed at a fake), response policy and
/// cache insert, behind real UDP and TCP listeners.
/// </summary>
internal sealed class TestResolver : IAsyncDisposable
{
    /// <summary>The lists every test resolver starts with; see <see cref="CompileImage"/>.</summary>
    public const string DefaultBlocklist = "phish.example.net\ntracker.example.net\n";

    private readonly ResolverEngine _engine;

    private TestResolver(ResolverEngine engine) => _engine = engine;

    public ResolverServer Server => _engine.Server;

    public ImageHolder Images => _engine.Images;

    public ResponseCache Cache => _engine.Cache;

    public IPEndPoint EndPoint => Server.EndPoints[0];

    public ResolverEngine Engine => _engine;

    /// <summary>The upstream pool, unless the test passed its own <see cref="IUpstreamClient"/>.</summary>
    public UpstreamPool? Pool => _engine.Upstream as UpstreamPool;

    /// <summary>Starts a resolver forwarding to <paramref name="upstream"/> (or to <paramref name="upstreamClient"/>).</summary>
    /// <param name="blocklist">Lines of the phishing list (domains format, source "test-feed").</param>
    /// <param name="configure">Changes any option last (more upstreams, timeouts, cache settings); the rate limit exempts loopback, as the shipped configuration does.</param>
    /// <param name="queryLog">Receives every finished query.</param>
    public static Task<TestResolver> StartAsync(IPEndPoint? upstream, string blocklist = DefaultBlocklist,
        IUpstreamClient? upstreamClient = null, Action<ResolverServerOptions>? configureServer = null,
        Action<ResolverEngineOptions>? configure = null, IQueryLog? queryLog = null, IDeviceDirectory? devices = null)
    {
        var options = new ResolverEngineOptions
        {
            Server = new ResolverServerOptions { ListenEndPoints = [TestPorts.Loopback()] },
            Upstream = new UpstreamOptions
            {
                Servers = [upstream?.ToString() ?? "127.0.0.1:9"],
                Timeout = TimeSpan.FromMilliseconds(400),
                Deadline = TimeSpan.FromMilliseconds(800),
                MaxAttempts = 1,
                FailureThreshold = 100,
            },
            Cache = new CacheOptions { Prefetch = false },
            Policy = new PolicyOptions
            {
                SinkholeIPv4 = "192.0.2.53",
                SinkholeIPv6 = "2001:db8::53",
                CategoryActions = new(StringComparer.OrdinalIgnoreCase)
                {
                    ["malware"] = RuleAction.NxDomain,
                    ["c2"] = RuleAction.NoData,
                    ["scam"] = RuleAction.Refused,
                },
            },
            AccessControl = AccessControlList.PrivateNetworks,
            RateLimit = new RateLimitOptions { Exempt = ["127.0.0.0/8", "::1/128"] },
        };
        configureServer?.Invoke(options.Server);
        configure?.Invoke(options);
        var images = new ImageHolder(CompileImage(blocklist));
        return Task.FromResult(new TestResolver(ResolverEngine.Start(options, images, upstreamClient, queryLog: queryLog, devices: devices)));
    }

    /// <summary>
    /// The phishing list <paramref name="blocklist"/> ("test-feed"), plus one list per other category
    /// (malware.example.net → NXDOMAIN, c2.example.net → NODATA, scam.example.net → REFUSED), the address list
    /// "bad-ips" (198.51.100.66, malware) and the allowlist "local-allow" (safe.phish.example.net).
    /// </summary>
    public static BlocklistImage CompileImage(string blocklist)
    {
        var compiler = new BlocklistCompiler();
        compiler.AddSource(new SourceDescriptor("local-allow", "allow", ListFormat.Domains, IsAllowlist: true), new StringReader("safe.phish.example.net\n"));
        compiler.AddSource(new SourceDescriptor("test-feed", "phishing", ListFormat.Domains), new StringReader(blocklist));
        compiler.AddSource(new SourceDescriptor("malware-feed", "malware", ListFormat.Domains), new StringReader("malware.example.net\n"));
        compiler.AddSource(new SourceDescriptor("c2-feed", "c2", ListFormat.Domains), new StringReader("c2.example.net\n"));
        compiler.AddSource(new SourceDescriptor("scam-feed", "scam", ListFormat.Domains), new StringReader("scam.example.net\n"));
        compiler.AddSource(new SourceDescriptor("bad-ips", "malware", ListFormat.Ip), new StringReader("198.51.100.66/32\n"));
        return BlocklistImage.FromBytes(compiler.ToArray());
    }

    /// <summary>A DnsClient.NET client for this resolver: no cache, no retries, UDP with TCP fallback on TC.</summary>
    public LookupClient CreateClient(bool tcpOnly = false) => new(new LookupClientOptions(new NameServer(EndPoint))
    {
        UseCache = false,
        Retries = 0,
        Timeout = TimeSpan.FromSeconds(3),
        UseTcpOnly = tcpOnly,
        ThrowDnsErrors = false,
        ContinueOnDnsError = false,
    });

    public async ValueTask DisposeAsync()
    {
        await _engine.DisposeAsync();
        Images.Dispose();
    }
}
