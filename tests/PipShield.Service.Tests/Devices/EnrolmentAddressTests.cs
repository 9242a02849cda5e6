using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PipShield.Service.Devices;
using PipShield.Service.Enrolment;
using PipShield.Service.Hosting;
using PipShield.Service.Tests.Alerts;

namespace PipShield.Service.Tests.Devices;

/// <summary>
/// The address in the enrolment page's QR code and link: the one the browser used when it is a plain host, so a
/// phone can follow it; otherwise the configured one. And what the page and log say when set-up is unfinished.
/// </summary>
public sealed class EnrolmentAddressTests
{
    private const string QrDescription = "QR code of this page's address";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("192.168.1.10:8080", "http://192.168.1.10:8080")]
    [InlineData("192.168.1.10", "http://192.168.1.10")]
    [InlineData("PipShield.Example.ORG", "http://pipshield.example.org")]
    [InlineData("pi-hole:8080", "http://pi-hole:8080")]
    [InlineData("[2001:DB8:0::10]:8080", "http://[2001:db8::10]:8080")]
    public async Task Page_OpenedByANetworkAddress_PutsThatAddressInTheLinkAndQrCode(string host, string expectedOrigin)
    {
        await using DeviceTestHost devices = await DeviceTestHost.StartAsync();
        string expected = $"{expectedOrigin}/enrol/{devices.Phone.Id}";

        using HttpResponseMessage response = await devices.Host.GetAsync(host, $"/enrol/{devices.Phone.Id}");
        string html = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"<p>Address: <code>{expected}</code></p>", html);
        Assert.Contains(EnrolmentQr.Svg(expected, QrDescription), html); // the QR code is of exactly that text
        Assert.DoesNotContain("id=\"local-only\"", html);
    }

    [Fact]
    public async Task Page_WithAHostileOrMalformedHost_UsesTheConfiguredAddressInstead()
    {
        await using DeviceTestHost devices = await DeviceTestHost.StartAsync(new() { ["BlockPage:AddressIPv4"] = "192.0.2.53" });
        string id = devices.Phone.Id;
        string fallback = $"http://192.0.2.53:{devices.Host.HttpPort.ToString(CultureInfo.InvariantCulture)}/enrol/{id}";
        string[] hostile =
        [
            "evil\"><script>alert(1)</script>", "evil.example x", "ev il.example", new string('a', 300) + ".example",
            string.Join('.', Enumerable.Repeat(new string('b', 63), 4)) + ".example", new string('c', 64) + ".example",
            "1.2.3", "192.168.010.1", "evil.example.123", "evil.example.0x7f", "-evil.example", "evil_host.example",
            "evil.example:99999", "evil.example:0", "evil.example:80:80", "user@evil.example", "[fe80::1%25eth0]", "[evil]",
        ];

        int served = 0;
        foreach (string host in hostile)
        {
            string reply = await devices.Host.RawAsync(Encoding.UTF8.GetBytes($"GET /enrol/{id} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
            string status = reply[..Math.Min(reply.Length, 12)];
            // Kestrel turns some of these away itself (400); the rest reach the page, which must not echo them.
            Assert.True(status is "HTTP/1.1 200" or "HTTP/1.1 400", $"{host}: {status}");
            if (status == "HTTP/1.1 200")
            {
                served++;
                Assert.Contains($"<p>Address: <code>{fallback}</code></p>", reply);
                Assert.Contains(EnrolmentQr.Svg(fallback, QrDescription), reply);
                Assert.DoesNotContain("evil", reply, StringComparison.Ordinal);
                Assert.DoesNotContain("<script", reply, StringComparison.OrdinalIgnoreCase);
            }
        }

        // Well-formed enough for Kestrel but not a host a phone should be sent to: the page's own check decides these.
        Assert.True(served >= 8, $"only {served} of {hostile.Length} hosts reached the page");
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("localhost:8080", "localhost:8080", true)]
    [InlineData("[::1]", "[::1]", true)]
    [InlineData("192.0.2.10", "192.0.2.10", false)]
    [InlineData("192.0.2.10:0080", "192.0.2.10:80", false)]
    [InlineData("Dns.Example.org.:8443", "dns.example.org.:8443", false)]
    [InlineData("xn--bcher-kva.example", "xn--bcher-kva.example", false)] // browsers send IDNs as A-labels
    [InlineData("[2001:0db8:0:0::10]", "[2001:db8::10]", false)]
    public void NormaliseHost_Accepts_PlainHostsWithAnOptionalPort(string host, string expected, bool localOnly)
    {
        Assert.Equal(expected, EnrolmentPageAddress.NormaliseHost(host));

        EnrolmentLinks links = LinksWithConfiguredAddress(null);
        (string url, bool local) = EnrolmentPageAddress.For(host, "http", links, new IPEndPoint(IPAddress.Loopback, 80));
        Assert.Equal($"http://{expected}/enrol/{links.Id}", url);
        Assert.Equal(localOnly, local);
    }

    [Theory]
    [InlineData("")]
    [InlineData("evil\"><script>")]
    [InlineData("a b")]
    [InlineData("example.org/path")]
    [InlineData("example.org:")]
    [InlineData("example.org:65536")]
    [InlineData("example.org:+80")]
    [InlineData("example..org")]
    [InlineData("2001:db8::10")] // an IPv6 literal needs its brackets
    [InlineData("[2001:db8::10")]
    [InlineData("[2001:db8::10]x")]
    [InlineData("[192.0.2.1]")]
    [InlineData("0x7f000001")]
    [InlineData("3221225985")] // 192.0.2.1 as one number
    [InlineData("bücher.example")] // browsers send A-labels; anything else did not come from one
    public void NormaliseHost_Rejects_AnythingElse(string host)
    {
        Assert.Null(EnrolmentPageAddress.NormaliseHost(host));
    }

    [Fact]
    public void PageAddress_PrefersAnAddressAPhoneCanReach_OverALoopbackHost()
    {
        EnrolmentLinks configured = LinksWithConfiguredAddress("192.0.2.53");
        EnrolmentLinks unconfigured = LinksWithConfiguredAddress(null);
        var loopback = new IPEndPoint(IPAddress.Loopback, 8080);
        var lan = new IPEndPoint(IPAddress.Parse("::ffff:192.0.2.7"), 8080);

        // Opened on the server itself: the configured address, then the address the connection came in on.
        Assert.Equal(($"http://192.0.2.53:8080/enrol/{configured.Id}", false), EnrolmentPageAddress.For("localhost:8080", "http", configured, loopback));
        Assert.Equal(($"https://192.0.2.7:8080/enrol/{unconfigured.Id}", false), EnrolmentPageAddress.For("bad host", "https", unconfigured, lan));
        Assert.Equal(($"http://127.0.0.1:8080/enrol/{unconfigured.Id}", true), EnrolmentPageAddress.For("bad host", "http", unconfigured, loopback));
    }

    [Fact]
    public async Task Page_OpenedOnTheServerItself_SaysTheLinkWorksThereOnly()
    {
        await using DeviceTestHost devices = await DeviceTestHost.StartAsync();
        string host = $"localhost:{devices.Host.HttpPort.ToString(CultureInfo.InvariantCulture)}";

        using HttpResponseMessage response = await devices.Host.GetAsync(host, $"/enrol/{devices.Phone.Id}");
        string html = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Contains($"<code>http://{host}/enrol/{devices.Phone.Id}</code>", html);
        Assert.Contains("id=\"local-only\"", html);
        Assert.Contains("<code>BlockPage:AddressIPv4</code>", html);
    }

    [Fact]
    public async Task Page_WithoutEncryptedDns_SaysTheAdministratorHasNotConfiguredIt()
    {
        await using (DeviceTestHost configured = await DeviceTestHost.StartAsync())
        {
            using HttpResponseMessage withDns = await configured.Host.GetAsync("192.0.2.53", $"/enrol/{configured.Phone.Id}");
            Assert.DoesNotContain("id=\"not-configured\"", await withDns.Content.ReadAsStringAsync(Cancel));
        }

        await using DeviceTestHost devices = await DeviceTestHost.StartAsync(new() { ["Devices:DohBaseUrl"] = null, ["Devices:DotHostName"] = null });
        using HttpResponseMessage response = await devices.Host.GetAsync("192.0.2.53", $"/enrol/{devices.Phone.Id}");
        string html = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<p class=\"warning\" id=\"not-configured\">Encrypted DNS is not configured on this server: the administrator has not set "
            + "<code>Devices:DohBaseUrl</code> or <code>Devices:DotHostName</code>", html);
        Assert.DoesNotContain("pipshield.mobileconfig", html); // no profile to offer
        Assert.DoesNotContain("dns-query", html);
    }

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("https://dns.example.org/dns-query", null, false)]
    [InlineData(null, "dns.example.org", false)]
    public async Task StartUp_WithEnrolledDevicesButNoEncryptedDns_LogsOneWarning(string? doh, string? dot, bool warns)
    {
        string folder = Directory.CreateTempSubdirectory("pipshield-enrol-log-").FullName;
        try
        {
            DeviceEnrolment.Add(Path.Combine(folder, "devices.json"), "Sam's phone", [], TimeProvider.System);
            var log = new RecordingLoggerProvider();
            using ILoggerFactory factory = LoggerFactory.Create(b => b.AddProvider(log));
            await using var store = new DeviceStore(Options.Create(new DevicesOptions { DohBaseUrl = doh, DotHostName = dot }),
                Options.Create(new ListsOptions { StateDirectory = folder, ReloadCheckInterval = TimeSpan.Zero }), factory);

            await store.StartAsync(Cancel);

            RecordingLoggerProvider.Entry[] warnings = [.. log.Entries.Where(e => e.EventId == 3754)];
            Assert.Equal(warns ? 1 : 0, warnings.Length);
            if (warns)
            {
                Assert.Equal(LogLevel.Warning, warnings[0].Level);
                Assert.Equal("1", warnings[0]["Count"]);
                Assert.Contains("Devices:DohBaseUrl", warnings[0].Message, StringComparison.Ordinal);
                Assert.Contains("Devices:DotHostName", warnings[0].Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task StartUp_WithNoDevices_DoesNotWarnAboutEncryptedDns()
    {
        string folder = Directory.CreateTempSubdirectory("pipshield-enrol-log-").FullName;
        try
        {
            var log = new RecordingLoggerProvider();
            using ILoggerFactory factory = LoggerFactory.Create(b => b.AddProvider(log));
            await using var store = new DeviceStore(Options.Create(new DevicesOptions()),
                Options.Create(new ListsOptions { StateDirectory = folder, ReloadCheckInterval = TimeSpan.Zero }), factory);

            await store.StartAsync(Cancel);

            Assert.DoesNotContain(log.Entries, e => e.EventId == 3754);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static EnrolmentLinks LinksWithConfiguredAddress(string? address) => EnrolmentLinks.For(DeviceIds.New(), new DevicesOptions(),
        new PipShield.Service.BlockPage.BlockPageOptions { HttpEndPoints = ["127.0.0.1:8080"], AddressIPv4 = address });
}
