using System.Text.RegularExpressions;
using PipShield.Service.Tests.Cli;

namespace PipShield.Service.Tests.Doh;

/// <summary>The configuration example in the encrypted-DNS docs is valid configuration, and a misspelt key in the section is not.</summary>
public sealed partial class EncryptedDnsDocsTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void JsonExample_PassesConfigCheck()
    {
        string root = Path.GetDirectoryName(CliWorkspace.BlocklistsFolder)!;
        Match example = JsonBlock().Match(File.ReadAllText(Path.Combine(root, "docs", "ENCRYPTED-DNS.md")));
        Assert.True(example.Success, "docs/ENCRYPTED-DNS.md has no JSON example");
        // config check opens the certificate files the example names: put real ones where the example's would be.
        using var certificates = new PipShield.Tests.Tls.TestCertificates();
        string json = example.Groups[1].Value
            .Replace("/etc/pipshield/tls/fullchain.pem", certificates.CertificateFile, StringComparison.Ordinal)
            .Replace("/etc/pipshield/tls/privkey.pem", certificates.KeyFile, StringComparison.Ordinal);
        string file = _workspace.PathOf("example.json");
        File.WriteAllText(file, json);

        CliRun run = CliWorkspace.Run("config", "check", file);

        Assert.True(run.ExitCode == 0, run.Stderr);
    }

    [Fact]
    public void MisspeltDohKey_FailsConfigCheck_NamingIt()
    {
        string file = _workspace.PathOf("bad.json");
        File.WriteAllText(file, """{ "Doh": { "Paht": "/dns-query" } }""");

        CliRun run = CliWorkspace.Run("config", "check", file);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("Doh:Paht", run.Stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex("```json\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
