using System.Text.Json;
using PipShield.Service.Cli;
using Xunit;

namespace PipShield.Service.Tests.Cli;

public sealed class CheckCommandTests(SampleImageFixture samples) : IClassFixture<SampleImageFixture>
{
    public static TheoryData<string, string, string, string, string> KnownNames => new()
    {
        // name, verdict, rule, source, category
        { "phish.example.net", "blocked", "phish.example.net", "sample-phishing.domains.txt", "phishing" },
        { "login.Phish.Example.NET.", "blocked", "phish.example.net", "sample-phishing.domains.txt", "phishing" },
        { "a.b.promo.example.com", "blocked", "*.promo.example.com", "sample-phishing.domains.txt", "phishing" },
        { "safe.phish.example.net", "allowed", "safe.phish.example.net", "allowlist.txt", "allowlist" },
        { "www.safe.phish.example.net", "allowed", "safe.phish.example.net", "allowlist.txt", "allowlist" },
        { "payload.example.org", "blocked", "payload.example.org", "sample-malware.hosts", "malware" },
        { "docs.coinhive.example.org", "allowed", "docs.coinhive.example.org", "sample-threats.adblock.txt", "custom" },
        { "help.support-desk.example.com", "allowed", "help.support-desk.example.com", "sample-scam.rpz", "scam" },
        { "198.51.100.77", "blocked", "198.51.100.0/24", "sample-c2.ip.txt", "c2" },
        { "2001:db8:bad::1", "blocked", "2001:db8:bad::/48", "sample-c2.ip.txt", "c2" },
        { "203.0.113.9", "blocked", "203.0.113.0/25", "sample-scam.rpz", "scam" },
    };

    [Theory]
    [MemberData(nameof(KnownNames))]
    public void Check_PrintsVerdictRuleSourceAndCategory_ForListedNames(string name, string verdict, string rule, string source, string category)
    {
        CliRun run = CliWorkspace.Run("check", "--image", samples.ImagePath, name);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"{name}\t{verdict}\t{rule}\t{source}\t{category}", Assert.Single(run.StdoutLines));
        Assert.Empty(run.Stderr);
    }

    [Theory]
    [InlineData("www.example.org")]
    [InlineData("promo.example.com")]   // "*.promo.example.com" covers only the names below
    [InlineData("example.net")]
    [InlineData("192.0.2.1")]
    [InlineData("2001:db8::1")]
    public void Check_PrintsNone_ForUnlistedNames(string name)
    {
        CliRun run = CliWorkspace.Run("check", "-i", samples.ImagePath, name);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"{name}\tnone\t-\t-\t-", Assert.Single(run.StdoutLines));
    }

    [Theory]
    [MemberData(nameof(KnownNames))]
    public void CheckJson_PrintsOneObjectWithExactlyTheDocumentedKeys(string name, string verdict, string rule, string source, string category)
    {
        CliRun run = CliWorkspace.Run("check", "--image", samples.ImagePath, "--json", name);

        Assert.True(run.ExitCode == 0, run.ToString());
        using JsonDocument json = JsonDocument.Parse(Assert.Single(run.StdoutLines));
        JsonElement o = json.RootElement;
        Assert.Equal(["category", "name", "rule", "source", "verdict"], o.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(name, o.GetProperty("name").GetString());
        Assert.Equal(verdict, o.GetProperty("verdict").GetString());
        Assert.Equal(rule, o.GetProperty("rule").GetString());
        Assert.Equal(source, o.GetProperty("source").GetString());
        Assert.Equal(category, o.GetProperty("category").GetString());
    }

    [Fact]
    public void CheckJson_WritesNulls_WhenNothingMatches()
    {
        CliRun run = CliWorkspace.Run("check", "--image", samples.ImagePath, "--json", "www.example.org");

        using JsonDocument json = JsonDocument.Parse(Assert.Single(run.StdoutLines));
        Assert.Equal("none", json.RootElement.GetProperty("verdict").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("rule").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("source").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("category").ValueKind);
    }

    [Fact]
    public void Check_ReadsStdin_WhenNoNamesAreGiven()
    {
        const string input = "phish.example.net\r\n\n# a comment\n  www.example.org  \n198.51.100.1"; // CRLF, blank, comment, no final newline

        CliRun run = CliWorkspace.RunWithInput(input, "check", "--image", samples.ImagePath);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(
            [
                "phish.example.net\tblocked\tphish.example.net\tsample-phishing.domains.txt\tphishing",
                "www.example.org\tnone\t-\t-\t-",
                "198.51.100.1\tblocked\t198.51.100.0/24\tsample-c2.ip.txt\tc2",
            ],
            run.StdoutLines);
    }

    [Fact]
    public void CheckJson_ReadsManyNamesFromStdin_OneObjectPerLine()
    {
        string[] names = Enumerable.Range(0, 20_000).Select(i => i % 2 == 0 ? $"host{i}.phish.example.net" : $"host{i}.example.org").ToArray();

        CliRun run = CliWorkspace.RunWithInput(string.Join('\n', names), "check", "--image", samples.ImagePath, "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        string[] lines = run.StdoutLines;
        Assert.Equal(names.Length, lines.Length);
        for (int i = 0; i < lines.Length; i += 997)
        {
            using JsonDocument json = JsonDocument.Parse(lines[i]);
            Assert.Equal(names[i], json.RootElement.GetProperty("name").GetString());
            Assert.Equal(i % 2 == 0 ? "blocked" : "none", json.RootElement.GetProperty("verdict").GetString());
        }
    }

    [Theory]
    [InlineData("bad name.example.org")]
    [InlineData("under*score.example.org")]
    [InlineData("2001:db8::zz")]
    public void Check_PrintsNoneAndExitsTwo_ForInputThatIsNotANameOrAddress(string input)
    {
        CliRun run = CliWorkspace.RunWithInput(input + "\nphish.example.net\n", "check", "--image", samples.ImagePath);

        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Equal([$"{input}\tnone\t-\t-\t-", "phish.example.net\tblocked\tphish.example.net\tsample-phishing.domains.txt\tphishing"], run.StdoutLines);
        Assert.StartsWith("pipshield: line 1: ", Assert.Single(run.StderrLines));
    }

    [Fact]
    public void Check_KeepsFiveFields_WhenAnInvalidInputHoldsATab()
    {
        CliRun run = CliWorkspace.RunWithInput("a\tb.example.org\n", "check", "--image", samples.ImagePath);

        Assert.Equal(5, Assert.Single(run.StdoutLines).Split('\t').Length);
    }

    [Fact]
    public void Check_LooksUpUnicodeNamesAsALabels()
    {
        CliRun run = CliWorkspace.Run("check", "--image", samples.ImagePath, "BÜCHER-login.example", "www.xn--bcher-login-thb.example");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(
            [
                "BÜCHER-login.example\tblocked\txn--bcher-login-thb.example\tsample-phishing.domains.txt\tphishing",
                "www.xn--bcher-login-thb.example\tblocked\txn--bcher-login-thb.example\tsample-phishing.domains.txt\tphishing",
            ],
            run.StdoutLines);
    }
}
