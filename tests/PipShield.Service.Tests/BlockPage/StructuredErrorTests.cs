using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using ARSoft.Tools.Net.Dns;

namespace PipShield.Service.Tests.BlockPage;

/// <summary>The Extended DNS Error of blocked answers: short text by default, structured JSON for clients that ask.</summary>
public sealed class StructuredErrorTests
{
    private const ushort EdeOption = 15;

    private static async Task<(ushort InfoCode, string Text)> QueryEdeAsync(int port, string name, bool signal)
    {
        using var client = new ARSoft.Tools.Net.Dns.DnsClient([IPAddress.Loopback], [new UdpClientTransport(port)], true, 3000);
        var options = new OptRecord();
        if (signal)
        {
            options.Options.Add(new UnknownOption((EDnsOptionType)EdeOption, []));
        }

        var query = new DnsMessage { IsRecursionDesired = true, IsEDnsEnabled = true, EDnsOptions = options };
        query.Questions.Add(new DnsQuestion(ARSoft.Tools.Net.DomainName.Parse(name), RecordType.A, RecordClass.INet));
        DnsMessage? reply = await client.SendMessageAsync(query, TestContext.Current.CancellationToken);
        Assert.NotNull(reply);
        UnknownOption ede = Assert.Single(reply!.EDnsOptions!.Options.OfType<UnknownOption>(), o => (ushort)o.Type == EdeOption);
        return ((ushort)(ede.Data![0] << 8 | ede.Data[1]), Encoding.UTF8.GetString(ede.Data, 2, ede.Data.Length - 2));
    }

    [Fact]
    public async Task ClientSignallingSupport_GetsStructuredJson_WithTheDraftKeys()
    {
        await using var host = await BlockPageTestHost.StartAsync();

        (ushort code, string text) = await QueryEdeAsync(host.DnsPort, "login.phish.example.net", signal: true);

        Assert.Equal(15, code);
        using JsonDocument json = JsonDocument.Parse(text);
        JsonElement root = json.RootElement;
        Assert.Equal(["mailto:false-positive@example.org", $"http://127.0.0.1:{host.HttpPort}/"], root.GetProperty("c").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("phishing: sample-phishing.domains.txt", root.GetProperty("j").GetString());
        Assert.Equal("Example Campaign", root.GetProperty("o").GetString());
    }

    [Fact]
    public async Task ClientNotSignalling_GetsTheShortText()
    {
        await using var host = await BlockPageTestHost.StartAsync();

        (ushort code, string text) = await QueryEdeAsync(host.DnsPort, "login.phish.example.net", signal: false);

        Assert.Equal(15, code);
        Assert.Equal("phishing: sample-phishing.domains.txt", text);
    }

    [Fact]
    public async Task WithoutAReportAddress_TheWarningPageIsTheContact()
    {
        await using var host = await BlockPageTestHost.StartAsync(new() { ["BlockPage:ReportAddress"] = null });

        (_, string text) = await QueryEdeAsync(host.DnsPort, "phish.example.net", signal: true);

        using JsonDocument json = JsonDocument.Parse(text);
        Assert.Equal([$"http://127.0.0.1:{host.HttpPort}/"], json.RootElement.GetProperty("c").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task WithoutAContactOrAPage_EvenASignallingClientGetsTheShortText()
    {
        await using var host = await BlockPageTestHost.StartAsync(new() { ["BlockPage:ReportAddress"] = null, ["BlockPage:Enabled"] = "false" });

        (_, string text) = await QueryEdeAsync(host.DnsPort, "phish.example.net", signal: true);

        Assert.Equal("phishing: sample-phishing.domains.txt", text);
    }

    [Fact]
    public async Task Dig_WithAnEmptyEdeOption_ShowsTheJson()
    {
        if (!File.Exists("/usr/bin/dig"))
        {
            Assert.Skip("dig is not installed (Debian package dnsutils)");
        }

        await using var host = await BlockPageTestHost.StartAsync(new() { ["BlockPage:ReportAddress"] = "https://report.example.org/false-positive" });
        var start = new ProcessStartInfo("dig", ["@127.0.0.1", "-p", host.DnsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "phish.example.net", "A", "+ednsopt=15", "+tries=1", "+time=3"])
        {
            RedirectStandardOutput = true,
        };
        using Process dig = Process.Start(start)!;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(TimeSpan.FromSeconds(15));
        string output = await dig.StandardOutput.ReadToEndAsync(cancel.Token);
        await dig.WaitForExitAsync(cancel.Token);

        string line = Assert.Single(output.Split('\n'), l => l.Contains("EDE: 15", StringComparison.Ordinal));
        string text = line[line.IndexOf('{', StringComparison.Ordinal)..(line.LastIndexOf('}') + 1)];
        using JsonDocument json = JsonDocument.Parse(text);
        Assert.Equal("https://report.example.org/false-positive", json.RootElement.GetProperty("c")[0].GetString());
        Assert.Equal("phishing: sample-phishing.domains.txt", json.RootElement.GetProperty("j").GetString());
    }
}
