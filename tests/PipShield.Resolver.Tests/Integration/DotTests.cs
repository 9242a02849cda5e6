using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.QueryLog;
using PipShield.Resolver.Server;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Tests.Listeners;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;
using PipShield.Tests.Tls;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>DNS-over-TLS (RFC 7858) end to end: real TLS clients against the resolver with a certificate made by the test.</summary>
public sealed class DotTests : IDisposable
{
    private readonly TestCertificates _certificates = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task Kdig_OverTls_GetsAllowedAnswer_AndSinkholeForBlockedName()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        await using var resolver = await StartAsync(upstream.EndPoint);
        IPEndPoint dot = resolver.Server.TlsEndPoints[0];
        string tls = $"+tls-ca={_certificates.CaFile} +tls-hostname={TestCertificates.HostName}";

        string allowed = await Kdig.RunAsync(dot, $"{tls} example.org A");
        string blocked = await Kdig.RunAsync(dot, $"{tls} phish.example.net A");

        Assert.Contains("status: NOERROR", allowed, StringComparison.Ordinal);
        Assert.Matches(@"example\.org\.\s+\d+\s+IN\s+A\s+192\.0\.2\.1", allowed);
        Assert.Contains("TLS", allowed, StringComparison.Ordinal); // kdig names the TLS session it used
        Assert.Matches(@"phish\.example\.net\.\s+\d+\s+IN\s+A\s+192\.0\.2\.53", blocked);
        Assert.Equal(1, upstream.QueryCount);
    }

    [Fact]
    public async Task Kdig_RefusesTheServer_WhenTheNameDoesNotMatchTheCertificate()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        await using var resolver = await StartAsync(upstream.EndPoint);

        string output = await Kdig.RunAsync(resolver.Server.TlsEndPoints[0], $"+tls-ca={_certificates.CaFile} +tls-hostname=other.example.net example.org A");

        Assert.DoesNotContain("192.0.2.1", output, StringComparison.Ordinal);
        Assert.Equal(0, upstream.QueryCount);
    }

    [Fact]
    public async Task ArSoftTlsClient_ResolvesAllowedAndBlockedNames()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        await using var resolver = await StartAsync(upstream.EndPoint);
        IPEndPoint dot = resolver.Server.TlsEndPoints[0];
        var transport = new TlsClientTransport(new SslClientAuthenticationOptions
        {
            TargetHost = TestCertificates.HostName,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => _certificates.Validate(certificate, errors),
        }, dot.Port);
        using var client = new ARSoft.Tools.Net.Dns.DnsClient([dot.Address], [transport], true, 5000);

        DnsMessage? allowed = await client.ResolveAsync(DomainName.Parse("example.org"), RecordType.A, token: Token);
        DnsMessage? blocked = await client.ResolveAsync(DomainName.Parse("phish.example.net"), RecordType.A, token: Token);

        Assert.Equal("192.0.2.1", Assert.Single(allowed!.AnswerRecords.OfType<ARecord>()).Address.ToString());
        Assert.Equal("192.0.2.53", Assert.Single(blocked!.AnswerRecords.OfType<ARecord>()).Address.ToString());
    }

    [Fact]
    public async Task DeviceId_InServerName_ReachesEveryQueryOfTheConnection()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        var log = new DeviceLog();
        var devices = new FakeDevices(refuseUnknown: true, new DeviceIdentity("k7q2m9x4", "Sam's phone"));
        await using var resolver = await StartAsync(upstream.EndPoint, log, devices);

        await using (DotClient phone = await DotClient.ConnectAsync(resolver.Server.TlsEndPoints[0], _certificates, "k7q2m9x4." + TestCertificates.HostName))
        {
            await phone.QueryAsync(TestQueries.Build("example.org", DnsType.A, id: 1));
            await phone.QueryAsync(TestQueries.Build("phish.example.net", DnsType.A, id: 2));
        }

        await using (DotClient plain = await DotClient.ConnectAsync(resolver.Server.TlsEndPoints[0], _certificates))
        {
            await plain.QueryAsync(TestQueries.Build("example.org", DnsType.A, id: 3));
        }

        Assert.Equal(["1 Sam's phone Tls", "2 Sam's phone Tls", "3 - Tls"], log.Seen.Order());
        Assert.Equal(1, devices.Lookups); // once per connection, not per query
    }

    [Fact]
    public async Task UnknownDeviceId_IsRefused_WhenTheDirectoryRefusesUnknownIds()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        await using var resolver = await StartAsync(upstream.EndPoint, devices: new FakeDevices(refuseUnknown: true));

        await using DotClient client = await DotClient.ConnectAsync(resolver.Server.TlsEndPoints[0], _certificates, "zzzz0000." + TestCertificates.HostName);
        DnsMessage reply = RawDns.Decode(await client.QueryAsync(TestQueries.Build("example.org", DnsType.A)));

        Assert.Equal(ReturnCode.Refused, reply.ReturnCode);
        Assert.Empty(reply.AnswerRecords);
        Assert.Equal(0, upstream.QueryCount);
    }

    [Fact]
    public async Task UnknownDeviceId_IsAnsweredUnidentified_WhenTheDirectoryAllowsIt()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        var log = new DeviceLog();
        await using var resolver = await StartAsync(upstream.EndPoint, log, new FakeDevices(refuseUnknown: false));

        await using DotClient client = await DotClient.ConnectAsync(resolver.Server.TlsEndPoints[0], _certificates, "zzzz0000." + TestCertificates.HostName);
        DnsMessage reply = RawDns.Decode(await client.QueryAsync(TestQueries.Build("example.org", DnsType.A, id: 7)));

        Assert.Equal("192.0.2.1", Assert.Single(reply.AnswerRecords.OfType<ARecord>()).Address.ToString());
        Assert.Equal(["7 - Tls"], log.Seen);
    }

    [Fact]
    public async Task ReplacedCertificate_IsPresentedToNewConnections_WhileTheOldConnectionKeepsWorking()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        await using var resolver = await StartAsync(upstream.EndPoint);
        IPEndPoint dot = resolver.Server.TlsEndPoints[0];
        string first = _certificates.Thumbprint;
        await using DotClient old = await DotClient.ConnectAsync(dot, _certificates);
        Assert.Equal(first, old.ServerThumbprint);

        _certificates.Issue("renewed");
        string renewed = _certificates.Thumbprint;
        string seen = first;

        // The server looks at the files at most every few seconds; poll with fresh connections, bounded in count and time.
        for (int attempt = 0; attempt < 40 && seen != renewed; attempt++)
        {
            await Task.Delay(250, Token);
            await using DotClient fresh = await DotClient.ConnectAsync(dot, _certificates);
            seen = fresh.ServerThumbprint;
            DnsMessage answer = RawDns.Decode(await fresh.QueryAsync(TestQueries.Build("example.org", DnsType.A)));
            Assert.Equal(ReturnCode.NoError, answer.ReturnCode);
        }

        DnsMessage onOld = RawDns.Decode(await old.QueryAsync(TestQueries.Build("example.org", DnsType.A)));

        Assert.NotEqual(first, renewed);
        Assert.Equal(renewed, seen);
        Assert.Equal("192.0.2.1", Assert.Single(onOld.AnswerRecords.OfType<ARecord>()).Address.ToString());
    }

    [Fact]
    public async Task BrokenReplacementCertificate_KeepsTheLastGoodOneInService()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        await using var resolver = await StartAsync(upstream.EndPoint);
        IPEndPoint dot = resolver.Server.TlsEndPoints[0];
        string first = _certificates.Thumbprint;

        File.WriteAllText(_certificates.CertificateFile, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
        await Task.Delay(ReloadingCertificateCheck, Token); // past the check interval, so the broken file is read

        await using DotClient client = await DotClient.ConnectAsync(dot, _certificates);
        DnsMessage reply = RawDns.Decode(await client.QueryAsync(TestQueries.Build("example.org", DnsType.A)));

        Assert.Equal(first, client.ServerThumbprint);
        Assert.Equal("192.0.2.1", Assert.Single(reply.AnswerRecords.OfType<ARecord>()).Address.ToString());
    }

    [Fact]
    public async Task QueryAsync_FromOutsideTheListeners_RunsThePipeline_WithDeviceAndTransport()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        var log = new DeviceLog();
        await using var resolver = await StartAsync(upstream.EndPoint, log);
        byte[] response = new byte[65535];

        int allowed = await resolver.Server.QueryAsync(TestQueries.Build("example.org", DnsType.A, id: 11), ClientAddress.From(IPAddress.Loopback),
            new DeviceIdentity("k7q2m9x4", "Sam's laptop"), Transport.Https, response, Token);
        DnsMessage allowedReply = RawDns.Decode(response[..allowed]);
        int blocked = await resolver.Server.QueryAsync(TestQueries.Build("phish.example.net", DnsType.A, id: 12), ClientAddress.From(IPAddress.Loopback),
            null, Transport.Https, response, Token);
        DnsMessage blockedReply = RawDns.Decode(response[..blocked]);

        Assert.Equal("192.0.2.1", Assert.Single(allowedReply.AnswerRecords.OfType<ARecord>()).Address.ToString());
        Assert.Equal("192.0.2.53", Assert.Single(blockedReply.AnswerRecords.OfType<ARecord>()).Address.ToString());
        Assert.Equal(["11 Sam's laptop Https", "12 - Https"], log.Seen);
    }

    [Fact]
    public async Task QueryAsync_ForAResponseMessage_AnswersNothing()
    {
        await using var resolver = await StartAsync(new IPEndPoint(IPAddress.Loopback, 9));
        byte[] notAQuery = TestQueries.Build("example.org", DnsType.A, flags: DnsHeader.QrFlag);

        int length = await resolver.Server.QueryAsync(notAQuery, ClientAddress.From(IPAddress.Loopback), null, Transport.Https, new byte[65535], Token);

        Assert.Equal(0, length);
    }

    [Fact]
    public async Task ClientThatNeverShakesHands_IsClosedAtTheIdleTimeout_AndOthersAreStillServed()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint, configureServer: server =>
        {
            server.TlsEndPoints = ["127.0.0.1:0"];
            server.Tls = new() { CertificateFile = _certificates.CertificateFile, KeyFile = _certificates.KeyFile };
            server.TcpIdleTimeout = TimeSpan.FromMilliseconds(300);
        });
        IPEndPoint dot = resolver.Server.TlsEndPoints[0];

        using var silent = await RawDns.ConnectTcpAsync(dot);
        bool closed = await RawDns.IsClosedByServerAsync(silent, TimeSpan.FromSeconds(10));
        await using DotClient client = await DotClient.ConnectAsync(dot, _certificates);
        DnsMessage reply = RawDns.Decode(await client.QueryAsync(TestQueries.Build("example.org", DnsType.A)));

        Assert.True(closed);
        Assert.Equal(ReturnCode.NoError, reply.ReturnCode);
        Assert.True(resolver.Server.Counters.TcpConnectionsTimedOut >= 1);
    }

    [Fact]
    public async Task PlainDnsOverTcp_ToTheTlsPort_GetsNoAnswer()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
        await using var resolver = await StartAsync(upstream.EndPoint);

        using var plain = await RawDns.ConnectTcpAsync(resolver.Server.TlsEndPoints[0]);
        await plain.SendAsync(RawDns.Frame(TestQueries.Build("example.org", DnsType.A)), Token);
        byte[]? reply = await RawDns.ReadFrameAsync(plain, TimeSpan.FromSeconds(2));

        Assert.Null(reply);
        Assert.Equal(0, upstream.QueryCount);
    }

    [Fact]
    public void Start_WithMissingCertificate_NamesTheKey()
    {
        var options = new ResolverServerOptions
        {
            TlsEndPoints = ["127.0.0.1:0"],
            Tls = { CertificateFile = Path.Combine(_certificates.Directory, "missing.pem"), KeyFile = _certificates.KeyFile },
        };

        string error = Assert.Single(options.Validate());

        Assert.StartsWith("Resolver:Server:Tls:CertificateFile: ", error, StringComparison.Ordinal);
    }

    private static readonly TimeSpan ReloadingCertificateCheck = PipShield.Resolver.Listeners.Tls.ReloadingCertificate.CheckInterval + TimeSpan.FromMilliseconds(500);

    private Task<TestResolver> StartAsync(IPEndPoint upstream, IQueryLog? log = null, IDeviceDirectory? devices = null) =>
        TestResolver.StartAsync(upstream, configureServer: server =>
        {
            server.TlsEndPoints = ["127.0.0.1:0"];
            server.Tls = new() { CertificateFile = _certificates.CertificateFile, KeyFile = _certificates.KeyFile, HostName = TestCertificates.HostName };
        }, queryLog: log, devices: devices);

    /// <summary>Records "id device transport" for every query the pipeline finished.</summary>
    private sealed class DeviceLog : IQueryLog
    {
        private readonly ConcurrentQueue<string> _seen = new();

        public IReadOnlyList<string> Seen => [.. _seen];

        public void Record(QueryContext query) =>
            _seen.Enqueue($"{DnsHeader.Id(query.Request)} {query.Device?.Name ?? "-"} {query.Transport}");
    }
}

/// <summary>A device directory holding the given devices; counts lookups by ID.</summary>
internal sealed class FakeDevices(bool refuseUnknown, params DeviceIdentity[] devices) : IDeviceDirectory
{
    private int _lookups;

    public int Lookups => Volatile.Read(ref _lookups);

    public bool RefuseUnknownIds => refuseUnknown;

    public DeviceIdentity? FindById(ReadOnlySpan<char> id)
    {
        Interlocked.Increment(ref _lookups);
        foreach (DeviceIdentity device in devices)
        {
            if (id.SequenceEqual(device.Id))
            {
                return device;
            }
        }

        return null;
    }

    public DeviceIdentity? FindByAddress(ClientAddress address) => null;
}
