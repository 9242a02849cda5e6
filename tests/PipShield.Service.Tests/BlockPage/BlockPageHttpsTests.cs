using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PipShield.Service.BlockPage;

namespace PipShield.Service.Tests.BlockPage;

/// <summary>The page over HTTPS: a configured certificate, and the opt-in own CA minting one per blocked name.</summary>
public sealed class BlockPageHttpsTests
{
    /// <summary>
    /// Fetches https://<paramref name="name"/>:PORT/ from the page on loopback, trusting only <paramref name="trusted"/>
    /// as the root; any chain or name error fails the request.
    /// </summary>
    private static async Task<(HttpResponseMessage Response, X509Certificate2 Leaf)> FetchAsync(string name, int port, X509Certificate2 trusted)
    {
        SocketsHttpHandler handler = LoopbackHttps.Handler(port, trusted, out Func<X509Certificate2?> presented);
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        HttpResponseMessage response = await client.GetAsync($"https://{name}:{port}/", TestContext.Current.CancellationToken);
        await response.Content.LoadIntoBufferAsync(TestContext.Current.CancellationToken);
        return (response, presented()!);
    }

    [Fact]
    public async Task OwnCa_MintsAShortLivedCertificatePerName_ThatACaTrustingClientAccepts()
    {
        await using var host = await BlockPageTestHost.StartAsync(new() { ["BlockPage:OwnCa"] = "true" });
        string caFile = Path.Combine(host.StateDirectory, "blockpage-ca", BlockPageCa.CertificateFileName);
        using X509Certificate2 ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(caFile, TestContext.Current.CancellationToken));

        (HttpResponseMessage response, X509Certificate2 leaf) = await FetchAsync("login.phish.example.net", host.HttpsPort, ca);

        using (response)
        using (leaf)
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("login.phish.example.net", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            var san = Assert.Single(leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>());
            Assert.Equal(["login.phish.example.net"], san.EnumerateDnsNames());
            Assert.InRange(leaf.NotAfter.ToUniversalTime() - leaf.NotBefore.ToUniversalTime(), TimeSpan.FromDays(1), TimeSpan.FromDays(2) + TimeSpan.FromMinutes(10));
            Assert.Equal(ca.Subject, leaf.Issuer);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task OwnCa_KeyIsReadableByTheServiceAlone_AndOnlyTheCertificateIsShared()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes only");
        }

        await using var host = await BlockPageTestHost.StartAsync(new() { ["BlockPage:OwnCa"] = "true" });
        string folder = Path.Combine(host.StateDirectory, "blockpage-ca");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, BlockPageCa.KeyFileName)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        string certificate = await File.ReadAllTextAsync(Path.Combine(folder, BlockPageCa.CertificateFileName), TestContext.Current.CancellationToken);
        Assert.Contains("BEGIN CERTIFICATE", certificate);
        Assert.DoesNotContain("PRIVATE KEY", certificate);
    }

    [Fact]
    public async Task OwnCa_IsLoadedAgainOnTheNextStart_NotReplaced()
    {
        await using var host = await BlockPageTestHost.StartAsync(new() { ["BlockPage:OwnCa"] = "true" });
        string folder = Path.Combine(host.StateDirectory, "blockpage-ca");
        string first = await File.ReadAllTextAsync(Path.Combine(folder, BlockPageCa.CertificateFileName), TestContext.Current.CancellationToken);

        using BlockPageCa again = BlockPageCa.LoadOrCreate(folder, new BlockPageOptions(), TimeProvider.System, null);

        Assert.Equal(first, again.Certificate.ExportCertificatePem() + "\n");
    }

    [Fact]
    public async Task ConfiguredPemCertificate_IsServed()
    {
        string folder = Path.Combine(Path.GetTempPath(), "pipshield-pem-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=page.example.org", key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("page.example.org");
            request.CertificateExtensions.Add(san.Build());
            using X509Certificate2 self = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            string certFile = Path.Combine(folder, "page.crt.pem");
            string keyFile = Path.Combine(folder, "page.key.pem");
            await File.WriteAllTextAsync(certFile, self.ExportCertificatePem(), TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem(), TestContext.Current.CancellationToken);

            await using var host = await BlockPageTestHost.StartAsync(new()
            {
                ["BlockPage:CertificateFile"] = certFile,
                ["BlockPage:CertificateKeyFile"] = keyFile,
            });
            (HttpResponseMessage response, X509Certificate2 leaf) = await FetchAsync("page.example.org", host.HttpsPort, self);

            using (response)
            using (leaf)
            {
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                Assert.Equal(self.Thumbprint, leaf.Thumbprint);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task ConfiguredPfxWithPassword_IsServed()
    {
        string folder = Path.Combine(Path.GetTempPath(), "pipshield-pfx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=page.example.net", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("page.example.net");
            request.CertificateExtensions.Add(san.Build());
            using X509Certificate2 self = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            string pfx = Path.Combine(folder, "page.pfx");
            await File.WriteAllBytesAsync(pfx, self.Export(X509ContentType.Pkcs12, "correct horse"), TestContext.Current.CancellationToken);

            await using var host = await BlockPageTestHost.StartAsync(new()
            {
                ["BlockPage:CertificateFile"] = pfx,
                ["BlockPage:CertificatePassword"] = "correct horse",
            });
            (HttpResponseMessage response, X509Certificate2 leaf) = await FetchAsync("page.example.net", host.HttpsPort, self);

            using (response)
            using (leaf)
            {
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                Assert.Equal(self.Thumbprint, leaf.Thumbprint);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task MissingCertificateFile_StopsStartup_NamingTheKey()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => BlockPageTestHost.StartAsync(new()
        {
            ["BlockPage:CertificateFile"] = Path.Combine(Path.GetTempPath(), "pipshield-missing-" + Guid.NewGuid().ToString("N") + ".pfx"),
        }));

        Assert.Contains("BlockPage:CertificateFile", error.Message);
    }
}
