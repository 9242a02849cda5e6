using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Pipeline;
using PipShield.Tests.Tls;

namespace PipShield.Service.Tests.Doh;

/// <summary>DNS-over-HTTPS (RFC 8484) end to end: the service host with a test certificate, real HTTP/2 and HTTP/1.1 clients, curl and kdig.</summary>
public sealed class DohTests : IDisposable
{
    private readonly TestCertificates _certificates = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task Get_OverHttp2_AnswersAllowedName_WithMaxAgeOfTheSmallestTtl()
    {
        await using var host = await DohTestHost.StartAsync(_certificates);
        using HttpClient client = DohTestHost.Client(_certificates, HttpVersion.Version20);

        using HttpResponseMessage response = await client.GetAsync(host.Url() + "?dns=" + Base64Url(Query("example.org", 0)), Token);
        byte[] body = await response.Content.ReadAsByteArrayAsync(Token);
        DnsMessage answer = DnsMessage.Parse(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("application/dns-message", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("192.0.2.53", Assert.Single(answer.AnswerRecords.OfType<ARecord>()).Address.ToString());
        Assert.Equal(TimeSpan.FromSeconds(answer.AnswerRecords.Min(r => r.TimeToLive)), response.Headers.CacheControl?.MaxAge);
        Assert.Equal(TimeSpan.FromSeconds(60), response.Headers.CacheControl?.MaxAge);
    }

    [Fact]
    public async Task Post_OverHttp2_SinkholesBlockedName_WithoutAskingUpstream()
    {
        await using var host = await DohTestHost.StartAsync(_certificates);
        using HttpClient client = DohTestHost.Client(_certificates, HttpVersion.Version20);

        using HttpResponseMessage response = await client.PostAsync(host.Url(), Message(Query("login.phish.example.net", 0)), Token);
        DnsMessage answer = DnsMessage.Parse(await response.Content.ReadAsByteArrayAsync(Token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("127.0.0.1", Assert.Single(answer.AnswerRecords.OfType<ARecord>()).Address.ToString());
        Assert.Equal(TimeSpan.FromSeconds(answer.AnswerRecords.Min(r => r.TimeToLive)), response.Headers.CacheControl?.MaxAge);
        Assert.Equal(0, host.UpstreamQueries);
    }

    [Fact]
    public async Task Post_OverHttp11_IsAnsweredToo()
    {
        await using var host = await DohTestHost.StartAsync(_certificates);
        using HttpClient client = DohTestHost.Client(_certificates, HttpVersion.Version11);

        using HttpResponseMessage response = await client.PostAsync(host.Url(), Message(Query("example.org", 0x4242)), Token);
        byte[] body = await response.Content.ReadAsByteArrayAsync(Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal(0x4242, BinaryPrimitives.ReadUInt16BigEndian(body));
    }

    [Theory]
    [InlineData("k7q2m9x4", true, HttpStatusCode.OK)]
    [InlineData("zzzz0000", true, HttpStatusCode.NotFound)]
    [InlineData("zzzz0000", false, HttpStatusCode.OK)]
    public async Task DeviceIdInPath_IsLookedUp_AndUnknownIdsFollowTheDirectory(string id, bool refuseUnknown, HttpStatusCode expected)
    {
        var devices = new PathDevices(refuseUnknown, new DeviceIdentity("k7q2m9x4", "Sam's laptop"));
        await using var host = await DohTestHost.StartAsync(_certificates, devices);
        using HttpClient client = DohTestHost.Client(_certificates, HttpVersion.Version20);

        using HttpResponseMessage response = await client.PostAsync(host.Url("/dns-query/" + id), Message(Query("example.org", 0)), Token);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal([id], devices.Asked);
    }

    [Fact]
    public async Task DeviceIds_InTheDohPath_AndTheDotServerName_NameTheDevice_InTheQueryLog_WithoutTheFullId()
    {
        const string Id = "k7q2m9x4abcdefghjkmn";
        var devices = new PathDevices(refuseUnknown: false, new DeviceIdentity(Id, "Sam's laptop"));
        await using var host = await DohTestHost.StartAsync(_certificates, devices);
        using HttpClient client = DohTestHost.Client(_certificates, HttpVersion.Version20);

        using HttpResponseMessage response = await client.PostAsync(host.Url("/dns-query/" + Id), Message(Query("login.phish.example.net", 0)), Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string kdig = await Kdig.RunAsync(host.DotEndPoint,
            $"+tls-ca={_certificates.CaFile} +tls-hostname={Id}.{TestCertificates.HostName} www.phish.example.net A");
        Assert.Contains("127.0.0.1", kdig, StringComparison.Ordinal);

        string doh = await QueryLogLineAsync(host, "login.phish.example.net");
        string dot = await QueryLogLineAsync(host, "www.phish.example.net");
        foreach ((string line, string transport) in new[] { (doh, "https"), (dot, "tls") })
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            Assert.Equal(("Sam's laptop", transport), (json.RootElement.GetProperty("device").GetString(), json.RootElement.GetProperty("transport").GetString()));
            Assert.DoesNotContain(Id, line, StringComparison.Ordinal);
        }
    }

    /// <summary>The query log line for <paramref name="name"/>; the log writes blocks within a second.</summary>
    private static async Task<string> QueryLogLineAsync(DohTestHost host, string name)
    {
        string log = Path.Combine(host.StateDirectory, "queries.jsonl");
        for (int i = 0; i < 50; i++)
        {
            string? line = File.Exists(log) ? File.ReadAllLines(log).FirstOrDefault(l => l.Contains($"\"name\":\"{name}\"", StringComparison.Ordinal)) : null;
            if (line is not null)
            {
                return line;
            }

            await Task.Delay(100, Token);
        }

        Assert.Fail($"no query log line for {name} in 5 s");
        return string.Empty;
    }

    [Fact]
    public async Task BadRequests_GetClear4xxAnswers()
    {
        await using var host = await DohTestHost.StartAsync(_certificates);
        using HttpClient client = DohTestHost.Client(_certificates, HttpVersion.Version20);
        byte[] query = Query("example.org", 0);

        var wrongType = new ByteArrayContent(query);
        wrongType.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using HttpResponseMessage unsupported = await client.PostAsync(host.Url(), wrongType, Token);
        using HttpResponseMessage badBase64 = await client.GetAsync(host.Url() + "?dns=not*base64!", Token);
        using HttpResponseMessage missing = await client.GetAsync(host.Url(), Token);
        using HttpResponseMessage notDns = await client.PostAsync(host.Url(), Message([1, 2, 3]), Token);
        using HttpResponseMessage tooLarge = await client.PostAsync(host.Url(), Message(new byte[70_000]), Token);
        using HttpResponseMessage put = await client.PutAsync(host.Url(), Message(query), Token);
        using HttpResponseMessage elsewhere = await client.GetAsync(host.Url("/other") + "?dns=" + Base64Url(query), Token);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, unsupported.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badBase64.StatusCode);
        Assert.Contains("base64url", await badBase64.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notDns.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);

        // The server is still answering after all of that.
        using HttpResponseMessage good = await client.PostAsync(host.Url(), Message(query), Token);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
    }

    [Fact]
    public async Task Kdig_OverHttps_GetsAllowedAnswer_AndSinkholeForBlockedName()
    {
        await using var host = await DohTestHost.StartAsync(_certificates);
        string https = $"+https=/dns-query +tls-ca={_certificates.CaFile} +tls-hostname={TestCertificates.HostName}";

        string allowed = await Kdig.RunAsync(host.DohEndPoint, $"{https} example.org A");
        string blocked = await Kdig.RunAsync(host.DohEndPoint, $"{https} phish.example.net A");

        Assert.Matches(@"example\.org\.\s+\d+\s+IN\s+A\s+192\.0\.2\.53", allowed);
        Assert.Contains(";; HTTP session", allowed, StringComparison.Ordinal); // kdig names the HTTP/2 session it used
        Assert.Matches(@"phish\.example\.net\.\s+\d+\s+IN\s+A\s+127\.0\.0\.1", blocked);
    }

    [Fact]
    public async Task Kdig_OverTls_ReachesTheServiceDotListener()
    {
        await using var host = await DohTestHost.StartAsync(_certificates);

        string output = await Kdig.RunAsync(host.DotEndPoint, $"+tls-ca={_certificates.CaFile} +tls-hostname={TestCertificates.HostName} phish.example.net A");

        Assert.Matches(@"phish\.example\.net\.\s+\d+\s+IN\s+A\s+127\.0\.0\.1", output);
    }

    [Fact]
    public async Task Curl_ResolvesThroughDoh_AndConnectsToTheSinkhole()
    {
        string? curl = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "curl")).FirstOrDefault(File.Exists);
        Assert.SkipWhen(curl is null, "curl is not installed");
        await using var host = await DohTestHost.StartAsync(_certificates);
        int closedPort = Hosting.HostTestKit.FreePort();

        // Only a blocked name: its sinkhole is loopback, so curl's follow-up connection never leaves the machine.
        var start = new ProcessStartInfo(curl!,
            $"-sS -v --max-time 10 --doh-url {host.Url()} --cacert {_certificates.CaFile} http://phish.example.net:{closedPort}/")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Task<string> errors = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        string log = await errors;

        Assert.Contains($"127.0.0.1:{closedPort}", log, StringComparison.Ordinal); // resolved by DoH to the sinkhole
        Assert.Equal(0, host.UpstreamQueries);
    }

    [Fact]
    public async Task ReplacedCertificate_IsPresentedToNewDohConnections_WithoutARestart()
    {
        await using var host = await DohTestHost.StartAsync(_certificates);
        string first = _certificates.Thumbprint;
        Assert.Equal(first, await ThumbprintOfNewConnectionAsync(host));

        _certificates.Issue("renewed");
        string seen = first;

        // The server looks at the files at most every few seconds; poll with new clients, bounded in count and time.
        for (int attempt = 0; attempt < 40 && seen != _certificates.Thumbprint; attempt++)
        {
            await Task.Delay(250, Token);
            seen = await ThumbprintOfNewConnectionAsync(host);
        }

        Assert.NotEqual(first, _certificates.Thumbprint);
        Assert.Equal(_certificates.Thumbprint, seen);
    }

    /// <summary>Opens a new HTTP/2 connection, asks one query, and returns the thumbprint of the certificate it was shown.</summary>
    private async Task<string> ThumbprintOfNewConnectionAsync(DohTestHost host)
    {
        string? thumbprint = null;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    thumbprint = certificate is null ? null : new System.Security.Cryptography.X509Certificates.X509Certificate2(certificate).Thumbprint;
                    return _certificates.Validate(certificate, errors);
                },
            },
        })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(10),
        };
        using HttpResponseMessage response = await client.PostAsync(host.Url(), Message(Query("example.org", 0)), Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return thumbprint!;
    }

    [Fact]
    public async Task Doh_StaysOff_WithoutACertificate()
    {
        await using var host = await DohTestHost.StartAsync(_certificates, overrides: new()
        {
            ["Resolver:Server:Tls:CertificateFile"] = null,
            ["Resolver:Server:Tls:KeyFile"] = null,
        });
        using HttpClient client = DohTestHost.Client(_certificates, HttpVersion.Version20);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(host.Url(), Token));
    }

    /// <summary>A minimal A query for <paramref name="name"/> with RD set.</summary>
    internal static byte[] Query(string name, ushort id)
    {
        var bytes = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (string label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.AddRange([0, 0, 1, 0, 1]);
        return [.. bytes];
    }

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static ByteArrayContent Message(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/dns-message");
        return content;
    }

    /// <summary>A device directory that records the IDs asked for.</summary>
    private sealed class PathDevices(bool refuseUnknown, params DeviceIdentity[] devices) : IDeviceDirectory
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _asked = new();

        public IReadOnlyList<string> Asked => [.. _asked];

        public bool RefuseUnknownIds => refuseUnknown;

        public DeviceIdentity? FindById(ReadOnlySpan<char> id)
        {
            _asked.Enqueue(id.ToString());
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
}
