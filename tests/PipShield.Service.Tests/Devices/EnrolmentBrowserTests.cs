using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace PipShield.Service.Tests.Devices;

/// <summary>The enrolment page as headless Chromium renders it.</summary>
public sealed class EnrolmentBrowserTests
{
    private static string? FindChromium() =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    [Fact]
    public async Task Chromium_ShowsTheDevicesSettingsForEachPlatform()
    {
        string? browser = FindChromium();
        if (browser is null)
        {
            Assert.Skip("Chromium is not installed (Debian package chromium); the browser test needs it");
        }

        await using DeviceTestHost devices = await DeviceTestHost.StartAsync();
        string id = devices.Phone.Id;
        string url = $"http://127.0.0.1:{devices.Host.HttpPort.ToString(CultureInfo.InvariantCulture)}/enrol/{id}";
        string profile = Path.Combine(devices.Host.StateDirectory, "chromium-enrol-profile");

        var start = new ProcessStartInfo(browser) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", $"--user-data-dir={profile}", "--dump-dom", url,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(TimeSpan.FromSeconds(60));
        string dom;
        try
        {
            Task<string> stderr = process.StandardError.ReadToEndAsync(cancel.Token);
            dom = await process.StandardOutput.ReadToEndAsync(cancel.Token);
            await process.WaitForExitAsync(cancel.Token);
            await stderr;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        string text = WebUtility.HtmlDecode(dom);
        Assert.Contains("Set up Sam's <phone>", text); // decoded once: shown as typed, never parsed as a tag
        Assert.DoesNotContain("<phone>", dom);
        Assert.Contains("Android (9 or later)", text);
        Assert.Contains($"{id}.dns.example.org", text);
        Assert.Contains("iPhone, iPad and Mac", text);
        Assert.Contains("Windows 11", text);
        Assert.Contains("Firefox", text);
        Assert.Contains($"https://dns.example.org/dns-query/{id}", text);
        Assert.Contains("<svg", dom); // the QR code rendered inline
    }
}
