using System.Diagnostics;
using System.Globalization;
using System.Net;
using DnsClient;

namespace PipShield.Service.Tests.BlockPage;

/// <summary>The page in a real browser: headless Chromium, with the blocked name resolved through PipShield.</summary>
public sealed class BlockPageBrowserTests
{
    private static readonly TimeSpan BrowserTimeout = TimeSpan.FromSeconds(60);

    private static string? FindChromium() =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    /// <summary>Runs the browser with <paramref name="arguments"/>; kills it (and its helpers) if it outlives the timeout.</summary>
    private static async Task<string> RunBrowserAsync(string browser, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(browser)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(BrowserTimeout);
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancel.Token);
        try
        {
            string stdout = await process.StandardOutput.ReadToEndAsync(cancel.Token);
            await process.WaitForExitAsync(cancel.Token);
            await stderr;
            return stdout;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    [Fact]
    public async Task Chromium_ShowsTheWarningPage_ForANameResolvedThroughPipShield()
    {
        string? browser = FindChromium();
        if (browser is null)
        {
            Assert.Skip("Chromium is not installed (Debian package chromium); the browser test needs it");
        }

        const string Name = "login.phish.example.net";
        await using var host = await BlockPageTestHost.StartAsync();
        IDnsQueryResponse answer = await host.Dns.QueryAsync(Name, QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
        IPAddress sinkhole = Assert.Single(answer.Answers.ARecords()).Address;
        string profile = Path.Combine(host.StateDirectory, "chromium-profile");
        string screenshot = Path.Combine(host.StateDirectory, "warning-page.png");
        string url = $"http://{Name}:{host.HttpPort.ToString(CultureInfo.InvariantCulture)}/account/login?next=%2F";
        string[] common =
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            $"--user-data-dir={profile}", $"--host-resolver-rules=MAP {Name} {sinkhole}",
        ];

        string dom = await RunBrowserAsync(browser, [.. common, "--dump-dom", url]);
        await RunBrowserAsync(browser, [.. common, $"--screenshot={screenshot}", "--window-size=900,1000", "--hide-scrollbars", url]);

        string text = WebUtility.HtmlDecode(dom);
        Assert.Contains("This website was blocked to protect you", text);
        Assert.Contains(Name, text);
        Assert.Contains("phishing", text);
        Assert.Contains("sample-phishing.domains.txt", text);
        Assert.Contains("Sam Example, your IT lead", text);
        byte[] png = await File.ReadAllBytesAsync(screenshot, TestContext.Current.CancellationToken);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]); // the PNG signature
    }
}
