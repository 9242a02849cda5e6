using System.Text.Json;
using PipShield.Service.Tests.Cli;

namespace PipShield.Service.Tests.Devices;

/// <summary><c>pipshield devices add|list|remove</c>, run in-process against a configuration file of their own.</summary>
public sealed class DevicesCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();
    private readonly string _config;

    public DevicesCommandTests()
    {
        _config = _workspace.PathOf("pipshield-devices.json");
        File.WriteAllText(_config, $$"""
            {
              "Lists": { "StateDirectory": {{JsonSerializer.Serialize(_workspace.PathOf("state"))}} },
              "Devices": { "DohBaseUrl": "https://dns.example.org/dns-query", "DotHostName": "dns.example.org" },
              "BlockPage": { "AddressIPv4": "192.0.2.53" }
            }
            """);
    }

    public void Dispose() => _workspace.Dispose();

    private CliRun Devices(params string[] args) => CliWorkspace.Run(["devices", .. args, "--config", _config]);

    private static string Field(CliRun run, string label) =>
        run.StdoutLines.Single(l => l.StartsWith(label + ":", StringComparison.Ordinal))[(label.Length + 1)..].Trim();

    [Fact]
    public void Add_PrintsTheIdAndEverySettingTheDeviceNeeds()
    {
        CliRun run = Devices("add", "Sam's phone", "--address", "192.0.2.10", "--address", "2001:db8::10");

        Assert.True(run.ExitCode == 0, run.ToString());
        string id = Field(run, "ID");
        Assert.Matches("^[a-z2-7]{20}$", id);
        Assert.Equal("Sam's phone", Field(run, "Device"));
        Assert.Equal($"https://dns.example.org/dns-query/{id}", Field(run, "DoH URL"));
        Assert.Equal($"{id}.dns.example.org", Field(run, "DoT host name"));
        Assert.Equal($"http://192.0.2.53/enrol/{id}", Field(run, "Enrolment page"));
        Assert.Equal("192.0.2.10, 2001:db8::10", Field(run, "Plain DNS from"));
        Assert.True(File.Exists(_workspace.PathOf("state/devices.json")));
        Assert.DoesNotContain("warning", run.Stderr, StringComparison.Ordinal); // nothing left to set up
    }

    [Fact]
    public void List_ShowsEachDevice_AsATableOrJson()
    {
        string phone = Field(Devices("add", "Sam's phone", "--address", "192.0.2.10"), "ID");
        string laptop = Field(Devices("add", "Office laptop"), "ID");

        CliRun table = Devices("list");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Equal(3, table.StdoutLines.Length); // a header and two devices
        Assert.Contains(table.StdoutLines, l => l.Contains("Sam's phone", StringComparison.Ordinal) && l.Contains(phone, StringComparison.Ordinal) && l.Contains("192.0.2.10", StringComparison.Ordinal));
        Assert.Contains(table.StdoutLines, l => l.Contains("Office laptop", StringComparison.Ordinal) && l.Contains(laptop, StringComparison.Ordinal));

        CliRun json = Devices("list", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        JsonElement[] devices = [.. JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray()];
        Assert.Equal(["Sam's phone", "Office laptop"], devices.Select(d => d.GetProperty("name").GetString()));
        Assert.Equal(phone, devices[0].GetProperty("id").GetString());
        Assert.Equal($"https://dns.example.org/dns-query/{phone}", devices[0].GetProperty("dohUrl").GetString());
        Assert.Equal("192.0.2.10", devices[0].GetProperty("addresses")[0].GetString());
        Assert.Equal(0, devices[1].GetProperty("addresses").GetArrayLength());
    }

    [Fact]
    public void Remove_TakesANameOrAnId()
    {
        Devices("add", "Sam's phone");
        string laptop = Field(Devices("add", "Office laptop"), "ID");

        CliRun byName = Devices("remove", "SAM'S PHONE");
        Assert.True(byName.ExitCode == 0, byName.ToString());
        Assert.Contains("Removed device Sam's phone", byName.Stdout);
        CliRun byId = Devices("remove", laptop);
        Assert.True(byId.ExitCode == 0, byId.ToString());
        Assert.Contains("Removed device Office laptop", byId.Stdout);

        JsonElement devices = JsonDocument.Parse(Devices("list", "--json").Stdout).RootElement;
        Assert.Equal(0, devices.GetArrayLength());
    }

    [Fact]
    public void Mistakes_FailWithOneClearLine()
    {
        Devices("add", "Sam's phone", "--address", "192.0.2.10");

        CliRun duplicate = Devices("add", "sam's phone");
        Assert.Equal(1, duplicate.ExitCode);
        Assert.Contains("a device named 'sam's phone' is already enrolled", duplicate.Stderr);

        CliRun taken = Devices("add", "Tablet", "--address", "192.0.2.10");
        Assert.Equal(1, taken.ExitCode);
        Assert.Contains("--address: 192.0.2.10 already belongs to 'Sam's phone'", taken.Stderr);

        CliRun unknown = Devices("remove", "Tablet");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no device is named 'Tablet'", unknown.Stderr);

        Assert.Single(JsonDocument.Parse(Devices("list", "--json").Stdout).RootElement.EnumerateArray());
    }

    [Fact]
    public void Add_WithOnlyALoopbackPageAddress_WarnsNamingTheKey_InsteadOfPrintingALoopbackLink()
    {
        WriteConfig(""" "BlockPage": { "HttpEndPoints": [ "127.0.0.1:8080", "[::1]:8080" ] } """);

        CliRun run = Devices("add", "Sam's phone", "--address", "192.0.2.10");

        Assert.True(run.ExitCode == 0, run.ToString()); // the device is still added
        string id = Field(run, "ID");
        Assert.StartsWith($"/enrol/{id} ", Field(run, "Enrolment page"), StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("::1", run.Stdout, StringComparison.Ordinal);
        string warning = Assert.Single(run.StderrLines, l => l.Contains("warning", StringComparison.Ordinal));
        Assert.Contains("127.0.0.1", warning, StringComparison.Ordinal);
        Assert.Contains("set BlockPage:AddressIPv4 (or BlockPage:AddressIPv6)", warning, StringComparison.Ordinal);
        Assert.Equal(id, JsonDocument.Parse(Devices("list", "--json").Stdout).RootElement[0].GetProperty("id").GetString());
    }

    [Fact]
    public void Add_WithAnIPv6PageAddressOnly_PrintsThatLink()
    {
        WriteConfig(""" "BlockPage": { "HttpEndPoints": [ "127.0.0.1:8080", "[::]:8081" ], "AddressIPv6": "2001:db8::53" } """);

        CliRun run = Devices("add", "Sam's phone");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"http://[2001:db8::53]:8081/enrol/{Field(run, "ID")}", Field(run, "Enrolment page"));
        Assert.DoesNotContain("warning", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(""" "BlockPage": { "Enabled": false } """, "BlockPage:Enabled")]
    [InlineData(""" "BlockPage": { "HttpEndPoints": [ "0.0.0.0:8080", "[::]:8080" ] } """, "set BlockPage:AddressIPv4")]
    public void Add_WithNoPageLink_SaysWhyOnStderr(string blockPage, string key)
    {
        WriteConfig(blockPage);

        CliRun run = Devices("add", "Sam's phone", "--address", "192.0.2.10");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("http", Field(run, "Enrolment page"), StringComparison.Ordinal);
        Assert.Contains(key, Assert.Single(run.StderrLines, l => l.Contains("warning", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public void Add_WithoutEncryptedDns_WarnsNamingBothKeys()
    {
        WriteConfig(""" "BlockPage": { "AddressIPv4": "192.0.2.53" } """, devices: "");

        CliRun mapped = Devices("add", "Sam's phone", "--address", "192.0.2.10");
        CliRun unmapped = Devices("add", "Office laptop");

        Assert.True(mapped.ExitCode == 0, mapped.ToString());
        Assert.True(unmapped.ExitCode == 0, unmapped.ToString());
        string warning = Assert.Single(mapped.StderrLines, l => l.Contains("warning", StringComparison.Ordinal));
        Assert.Contains("encrypted DNS is not configured (set Resolver:Server:Tls:HostName with a certificate, or Devices:DohBaseUrl or Devices:DotHostName)", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("this one has none", warning, StringComparison.Ordinal);
        Assert.Contains("this one has none", Assert.Single(unmapped.StderrLines, l => l.Contains("warning", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Equal("(not configured: set Resolver:Server:Tls:HostName or Devices:DohBaseUrl)", Field(mapped, "DoH URL"));
    }

    [Fact]
    public void Add_WithOnlyTheTlsHostName_DerivesTheDohUrlAndDotName()
    {
        using var certificates = new PipShield.Tests.Tls.TestCertificates();
        WriteConfig($$"""
            "BlockPage": { "AddressIPv4": "192.0.2.53" },
            "Doh": { "EndPoints": [ "0.0.0.0:8443" ] },
            "Resolver": { "Server": { "Tls": { "CertificateFile": {{JsonSerializer.Serialize(certificates.CertificateFile)}},
              "KeyFile": {{JsonSerializer.Serialize(certificates.KeyFile)}}, "HostName": "dns.example.org" } } }
            """, devices: "");

        CliRun run = Devices("add", "Sam's phone");

        Assert.True(run.ExitCode == 0, run.ToString());
        string id = Field(run, "ID");
        Assert.Equal($"https://dns.example.org:8443/dns-query/{id}", Field(run, "DoH URL"));
        Assert.DoesNotContain(run.StderrLines, l => l.Contains("encrypted DNS", StringComparison.Ordinal));
        Assert.Contains($"{id}.dns.example.org", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void ListJson_WithOnlyALoopbackPageAddress_WarnsOnStderr_AndKeepsStdoutJson()
    {
        WriteConfig(""" "BlockPage": { "HttpEndPoints": [ "127.0.0.1:8080" ] } """);
        Devices("add", "Sam's phone");

        CliRun json = Devices("list", "--json");

        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Single(JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray());
        Assert.Contains("BlockPage:AddressIPv4", Assert.Single(json.StderrLines), StringComparison.Ordinal);
    }

    /// <summary>Rewrites the configuration with this <c>BlockPage</c> section and, unless given, the usual <c>Devices</c> one.</summary>
    private void WriteConfig(string blockPage, string? devices = null) => File.WriteAllText(_config, $$"""
        {
          "Lists": { "StateDirectory": {{JsonSerializer.Serialize(_workspace.PathOf("state"))}} },
          {{devices ?? "\"Devices\": { \"DohBaseUrl\": \"https://dns.example.org/dns-query\", \"DotHostName\": \"dns.example.org\" },"}}
          {{blockPage}}
        }
        """);

    [Fact]
    public void ABadDevicesSetting_NamesTheKey()
    {
        File.WriteAllText(_config, """{ "Devices": { "DohBaseUrl": "http://dns.example.org/dns-query" } }""");

        CliRun run = Devices("list");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Devices:DohBaseUrl", run.Stderr);
    }
}
