using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.DependencyInjection;
using PipShield.Service.BlockPage;
using PipShield.Service.Doh;
using PipShield.Service.Tests.BlockPage;
using PipShield.Service.Tests.Hosting;
using PipShield.Tests.Tls;

namespace PipShield.Service.Tests.Doh;

/// <summary>
/// DoH and the warning page's HTTPS on one port (443 for both by default): the name a client asks for picks the
/// certificate, the path picks DoH or the page.
/// </summary>
public sealed class DohSharedPortTests : IDisposable
{
    private const string Blocked = "login.phish.example.net";

    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public void Defaults_PutDoh_OnPort443()
    {
        Assert.All(new DohOptions().EffectiveEndPoints, e => Assert.Equal(443, IPEndPoint.Parse(e).Port));
    }

    [Theory]
    [InlineData(null)]                        // a client dialling the address sends no server name
    [InlineData(TestCertificates.HostName)]
    public async Task OneHttpsPort_AnswersDoh_WithTheDnsCertificate(string? serverName)
    {
        await using BlockPageTestHost host = await StartAsync();

        using HttpClient client = Client(host.HttpsPort, _certificates.Ca, out Func<X509Certificate2?> presented);
        using var content = new ByteArrayContent(DohTests.Query(Blocked, 0));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/dns-message");
        string authority = serverName ?? "127.0.0.1";
        using HttpResponseMessage response = await client.PostAsync($"https://{authority}:{host.HttpsPort}/dns-query", content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("application/dns-message", response.Content.Headers.ContentType?.MediaType);
        DnsMessage answer = DnsMessage.Parse(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal(ReturnCode.NoError, answer.ReturnCode);
        Assert.NotEmpty(answer.AnswerRecords.OfType<ARecord>()); // the sinkhole answer for a listed name
        Assert.Equal(_certificates.Thumbprint, presented()?.Thumbprint);
    }

    [Fact]
    public async Task OneHttpsPort_StillShowsTheWarningPage_ForABlockedName_WithThePagesCertificate()
    {
        await using BlockPageTestHost host = await StartAsync();
        string caFile = Path.Combine(host.StateDirectory, "blockpage-ca", BlockPageCa.CertificateFileName);
        using X509Certificate2 pageCa = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(caFile, TestContext.Current.CancellationToken));

        using HttpClient client = Client(host.HttpsPort, pageCa, out Func<X509Certificate2?> presented);
        using HttpResponseMessage response = await client.GetAsync($"https://{Blocked}:{host.HttpsPort}/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(Blocked, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(pageCa.Subject, presented()?.Issuer);
    }

    [Fact]
    public async Task SharedPort_IsServedByThePage_AndDohBindsNoServerOfItsOwn()
    {
        await using BlockPageTestHost host = await StartAsync();

        Assert.True(host.Page.IsServing);
        Assert.Empty(host.Services.GetRequiredService<DohHostedService>().EndPoints);
    }

    private Task<BlockPageTestHost> StartAsync()
    {
        int https = HostTestKit.FreePort();
        return BlockPageTestHost.StartAsync(new()
        {
            ["BlockPage:OwnCa"] = "true",
            ["BlockPage:HttpsEndPoints:0"] = $"127.0.0.1:{https}",
            ["Resolver:Server:Tls:CertificateFile"] = _certificates.CertificateFile,
            ["Resolver:Server:Tls:KeyFile"] = _certificates.KeyFile,
            ["Resolver:Server:Tls:HostName"] = TestCertificates.HostName,
            ["Resolver:Server:TlsEndPoints:0"] = $"127.0.0.1:{HostTestKit.FreePort()}",
            ["Doh:EndPoints:0"] = $"127.0.0.1:{https}",
        }, httpsPort: https);
    }

    /// <summary>HTTP/2 to the page's HTTPS port on loopback whatever the URL's host; trusts only <paramref name="root"/>.</summary>
    private static HttpClient Client(int port, X509Certificate2 root, out Func<X509Certificate2?> presented)
    {
        SocketsHttpHandler handler = LoopbackHttps.Handler(port, root, out presented);
        return new HttpClient(handler)
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(10),
        };
    }
}
