namespace PipShield.Service.Tests.Cli;

/// <summary><c>pipshield config check FILE</c>: the service's own configuration checks, without starting it.</summary>
public sealed class ConfigCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private string Write(string json)
    {
        string path = _workspace.PathOf("pipshield-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Check_AcceptsAValidFile()
    {
        string path = Write("""{ "Resolver": { "Server": { "ListenEndPoints": [ "127.0.0.1:5300" ] }, "Cache": { "MaxEntries": 5000 } }, "Lists": { "ReloadCheckInterval": "00:00:10" } }""");

        CliRun run = CliWorkspace.Run("config", "check", path);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"{path}: valid", run.Stdout.Trim());
    }

    [Fact]
    public void Check_NamesEverySectionAndKeyThatIsNotASetting()
    {
        string path = Write("""{ "Resolvr": {}, "Resolver": { "Cache": { "MaxEntrys": 5 }, "Polcy": {} } }""");

        CliRun run = CliWorkspace.Run("config", "check", path);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{path}: Resolvr: not a setting PipShield knows", run.Stderr);
        Assert.Contains($"{path}: Resolver:Polcy: not a setting PipShield knows", run.Stderr);
        Assert.Contains($"{path}: Resolver:Cache:MaxEntrys: not a setting PipShield knows", run.Stderr);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public void Check_NamesTheKeyOfEachBadValue_OneLineEach()
    {
        string path = Write("""{ "Resolver": { "Cache": { "MaxEntries": -5 }, "AccessControl": { "Allow": [ "10.0.0.0/99" ] } } }""");

        CliRun run = CliWorkspace.Run("config", "check", path);

        Assert.Equal(2, run.ExitCode);
        string[] lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(lines, l => l.Contains("Resolver:Cache:MaxEntries:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Resolver:AccessControl:Allow:", StringComparison.Ordinal) && l.Contains("10.0.0.0/99", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_OpensTheCertificateFiles_AndNamesTheKeyOfEachThatCannotBeUsed()
    {
        string garbage = _workspace.PathOf("not-a-certificate.pem");
        File.WriteAllText(garbage, "this is not a certificate\n");
        string path = Write($$"""
            {
              "Resolver": {
                "Server": { "Tls": { "CertificateFile": "{{garbage}}", "KeyFile": "{{garbage}}" } },
                "Upstream": { "CaFile": "{{garbage}}" }
              },
              "BlockPage": { "CertificateFile": "{{garbage}}", "CertificateKeyFile": "{{garbage}}" }
            }
            """);

        CliRun run = CliWorkspace.Run("config", "check", path);

        Assert.Equal(2, run.ExitCode);
        string[] lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.Contains("Resolver:Server:Tls:CertificateFile:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("BlockPage:CertificateFile:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Resolver:Upstream:CaFile:", StringComparison.Ordinal) && l.Contains("no PEM certificate", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_AcceptsCertificateFilesThatLoad()
    {
        using var certificates = new PipShield.Tests.Tls.TestCertificates();
        string path = Write($$"""
            {
              "Resolver": {
                "Server": { "Tls": { "CertificateFile": "{{certificates.CertificateFile}}", "KeyFile": "{{certificates.KeyFile}}" } },
                "Upstream": { "CaFile": "{{certificates.CaFile}}" }
              },
              "BlockPage": { "CertificateFile": "{{certificates.CertificateFile}}", "CertificateKeyFile": "{{certificates.KeyFile}}" }
            }
            """);

        CliRun run = CliWorkspace.Run("config", "check", path);

        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Fact]
    public void Check_OfAMissingOrBrokenFile_FailsWithOneLine()
    {
        CliRun missing = CliWorkspace.Run("config", "check", _workspace.PathOf("absent.json"));
        CliRun broken = CliWorkspace.Run("config", "check", Write("{ \"Resolver\": "));

        Assert.NotEqual(0, missing.ExitCode);
        Assert.Single(missing.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("absent.json", missing.Stderr);
        Assert.NotEqual(0, broken.ExitCode);
        Assert.Single(broken.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
