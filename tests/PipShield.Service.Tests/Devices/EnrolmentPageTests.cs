using System.Diagnostics;
using System.Net;
using System.Xml.Linq;
using PipShield.Service.BlockPage;

namespace PipShield.Service.Tests.Devices;

/// <summary>The enrolment page and Apple profile, fetched over HTTP from the warning page's server.</summary>
public sealed class EnrolmentPageTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Page_ForAnEnrolledDevice_HasEveryPlatformsSettings_Encoded()
    {
        await using DeviceTestHost devices = await DeviceTestHost.StartAsync();
        string id = devices.Phone.Id;

        using HttpResponseMessage response = await devices.Host.GetAsync("127.0.0.1", $"/enrol/{id}");
        string html = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<!DOCTYPE html>\n<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Contains("<main>", html);
        Assert.Contains("<h1>Set up Sam&#x27;s &lt;phone&gt;</h1>", html); // the name is HTML-encoded
        Assert.DoesNotContain("<phone>", html);
        foreach (string section in new[] { "android", "apple", "windows", "chrome", "firefox", "qr" })
        {
            Assert.Contains($"<h2 id=\"{section}\">", html);
        }

        Assert.Contains($"<code>{id}.dns.example.org</code>", html); // Android Private DNS
        Assert.Contains($"<code>https://dns.example.org/dns-query/{id}</code>", html); // Windows, Chrome, Firefox
        Assert.Contains($"href=\"{id}/pipshield.mobileconfig\"", html);
        Assert.Contains("<code>127.0.0.1</code>", html); // the server address Windows needs
        Assert.Contains("<svg role=\"img\" aria-label=\"QR code of this page&#x27;s address\"", html);
        Assert.Contains($"<code>http://127.0.0.1/enrol/{id}</code>", html); // what the QR code holds
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=\"http", html, StringComparison.OrdinalIgnoreCase); // nothing loaded from elsewhere
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task UnknownOrMalformedIds_AndOtherPaths_GetNotFound()
    {
        await using DeviceTestHost devices = await DeviceTestHost.StartAsync();

        foreach (string path in new[]
        {
            "/enrol/aaaaaaaaaaaaaaaaaaaa", "/enrol/short", "/enrol/", "/enrol/aaaaaaaaaaaaaaaaaaaa/pipshield.mobileconfig",
            $"/enrol/{devices.Phone.Id}/other.txt", $"/enrol/{devices.Phone.Id}/pipshield.mobileconfig/x",
        })
        {
            using HttpResponseMessage response = await devices.Host.GetAsync("127.0.0.1", path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
            string html = await response.Content.ReadAsStringAsync(Cancel);
            Assert.Contains("<h1>Device not found</h1>", html);
            AssertSecurityHeaders(response);
        }

        // Other paths still get the warning page.
        using HttpResponseMessage warning = await devices.Host.GetAsync("login.phish.example.net", "/enrolment");
        Assert.Equal(HttpStatusCode.Forbidden, warning.StatusCode);
        Assert.Contains("blocked", await warning.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_IsRefused_ToClientsOutsideTheAllowedNetworks()
    {
        await using DeviceTestHost devices = await DeviceTestHost.StartAsync(new() { ["Resolver:AccessControl:Allow:0"] = "192.0.2.0/24" });

        using HttpResponseMessage page = await devices.Host.GetAsync("127.0.0.1", $"/enrol/{devices.Phone.Id}");
        using HttpResponseMessage profile = await devices.Host.GetAsync("127.0.0.1", $"/enrol/{devices.Phone.Id}/pipshield.mobileconfig");

        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, profile.StatusCode);
        Assert.DoesNotContain(devices.Phone.Id, await page.Content.ReadAsStringAsync(Cancel));
        Assert.DoesNotContain(devices.Phone.Id, await profile.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task Profile_IsAPropertyListWithTheDevicesDohSettings()
    {
        await using DeviceTestHost devices = await DeviceTestHost.StartAsync();
        string id = devices.Phone.Id;

        using HttpResponseMessage response = await devices.Host.GetAsync("127.0.0.1", $"/enrol/{id}/pipshield.mobileconfig");
        byte[] body = await response.Content.ReadAsByteArrayAsync(Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-apple-aspen-config", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("pipshield.mobileconfig", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        AssertSecurityHeaders(response);

        Dictionary<string, XElement> top = Plist.Read(body);
        Assert.Equal("Configuration", top["PayloadType"].Value);
        Assert.Equal("1", top["PayloadVersion"].Value);
        Assert.Equal("integer", top["PayloadVersion"].Name.LocalName);
        Assert.Contains("Sam's <phone>", top["PayloadDisplayName"].Value, StringComparison.Ordinal);
        Assert.True(Guid.TryParse(top["PayloadUUID"].Value, out _));
        Assert.False(string.IsNullOrEmpty(top["PayloadIdentifier"].Value));

        XElement payload = Assert.Single(top["PayloadContent"].Elements("dict"));
        Dictionary<string, XElement> dns = Plist.Dict(payload);
        Assert.Equal("com.apple.dnsSettings.managed", dns["PayloadType"].Value);
        Assert.Equal("1", dns["PayloadVersion"].Value);
        Assert.True(Guid.TryParse(dns["PayloadUUID"].Value, out _));
        Assert.NotEqual(top["PayloadUUID"].Value, dns["PayloadUUID"].Value);
        Assert.False(string.IsNullOrEmpty(dns["PayloadIdentifier"].Value));
        Assert.False(string.IsNullOrEmpty(dns["PayloadDisplayName"].Value));
        Dictionary<string, XElement> settings = Plist.Dict(dns["DNSSettings"]);
        Assert.Equal("HTTPS", settings["DNSProtocol"].Value);
        Assert.Equal($"https://dns.example.org/dns-query/{id}", settings["ServerURL"].Value);
        Assert.Equal(["127.0.0.1"], settings["ServerAddresses"].Elements("string").Select(e => e.Value));

        // Downloading again gives the same UUIDs (the profile replaces itself); another device gets others.
        using HttpResponseMessage again = await devices.Host.GetAsync("127.0.0.1", $"/enrol/{id}/pipshield.mobileconfig");
        Assert.Equal(body, await again.Content.ReadAsByteArrayAsync(Cancel));
        using HttpResponseMessage laptop = await devices.Host.GetAsync("127.0.0.1", $"/enrol/{devices.Laptop.Id}/pipshield.mobileconfig");
        Assert.NotEqual(top["PayloadUUID"].Value, Plist.Read(await laptop.Content.ReadAsByteArrayAsync(Cancel))["PayloadUUID"].Value);

        await AssertPythonPlistLoadsAsync(body, devices.Host.StateDirectory);
    }

    [Fact]
    public async Task Profile_CarriesTheWarningPagesCa_OnlyWhenAskedTo()
    {
        await using DeviceTestHost devices = await DeviceTestHost.StartAsync(new()
        {
            ["BlockPage:OwnCa"] = "true",
            ["Devices:ProfileIncludesOwnCa"] = "true",
        });

        using HttpResponseMessage response = await devices.Host.GetAsync("127.0.0.1", $"/enrol/{devices.Phone.Id}/pipshield.mobileconfig");
        Dictionary<string, XElement> top = Plist.Read(await response.Content.ReadAsByteArrayAsync(Cancel));

        XElement[] payloads = [.. top["PayloadContent"].Elements("dict")];
        Assert.Equal(2, payloads.Length);
        Dictionary<string, XElement> root = Plist.Dict(payloads[1]);
        Assert.Equal("com.apple.security.root", root["PayloadType"].Value);
        Assert.Equal("1", root["PayloadVersion"].Value);
        Assert.True(Guid.TryParse(root["PayloadUUID"].Value, out _));
        string pem = await File.ReadAllTextAsync(Path.Combine(BlockPageCa.DirectoryFor(devices.Host.StateDirectory), BlockPageCa.CertificateFileName), Cancel);
        using var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem);
        Assert.Equal(Convert.ToBase64String(ca.RawData), root["PayloadContent"].Value.Trim());
        Assert.DoesNotContain("PRIVATE KEY", await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        foreach (KeyValuePair<string, string> header in BlockPageHostedService.SecurityHeaders)
        {
            Assert.True(response.Headers.TryGetValues(header.Key, out IEnumerable<string>? values) || response.Content.Headers.TryGetValues(header.Key, out values),
                $"{header.Key} missing");
            Assert.Equal(header.Value, Assert.Single(values));
        }
    }

    /// <summary>When python3 is installed, its plistlib (which follows Apple's format) must read the profile too.</summary>
    private static async Task AssertPythonPlistLoadsAsync(byte[] profile, string folder)
    {
        string? python = new[] { "/usr/bin/python3", "/usr/local/bin/python3" }.FirstOrDefault(File.Exists);
        if (python is null)
        {
            return;
        }

        string path = Path.Combine(folder, "check.mobileconfig");
        await File.WriteAllBytesAsync(path, profile, Cancel);
        var start = new ProcessStartInfo(python) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in new[] { "-c", "import plistlib,sys; p=plistlib.load(open(sys.argv[1],'rb')); print(p['PayloadContent'][0]['DNSSettings']['ServerURL'])", path })
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        cancel.CancelAfter(TimeSpan.FromSeconds(30));
        string output = await process.StandardOutput.ReadToEndAsync(cancel.Token);
        string error = await process.StandardError.ReadToEndAsync(cancel.Token);
        await process.WaitForExitAsync(cancel.Token);
        Assert.True(process.ExitCode == 0, error);
        Assert.StartsWith("https://dns.example.org/dns-query/", output.Trim(), StringComparison.Ordinal);
    }
}
