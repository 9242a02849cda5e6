using PipShield.Service.Tests.Hosting;

namespace PipShield.Service.Tests.Doh;

/// <summary>Bad encrypted-DNS settings stop the real program before it serves, with one line naming the key.</summary>
public sealed class EncryptedDnsStartupTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pipshield-tls-validation-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("Doh:Path", "dns-query", "Doh:Path")]
    [InlineData("Doh:EndPoints:0", "nowhere", "Doh:EndPoints:0")]
    [InlineData("Resolver:Server:Tls:CertificateFile", "missing.pem", "Resolver:Server:Tls:CertificateFile: missing.pem does not exist")]
    [InlineData("Resolver:Server:Tls:KeyFile", "server.key", "Resolver:Server:Tls:KeyFile: set, but Resolver:Server:Tls:CertificateFile is not")]
    [InlineData("Resolver:Server:TlsEndPoints:0", "not-an-address", "Resolver:Server:TlsEndPoints:0")]
    [InlineData("Resolver:Server:Tls:Pasword", "secret", "Resolver:Server:Tls:Pasword: not a setting")]
    public async Task Run_WithABadTlsSetting_ExitsWithOneLineNamingTheKey(string key, string value, string named)
    {
        Assert.SkipWhen(PipShieldProcess.Program is null, "the pipshield apphost is not next to the tests; build the solution first");
        (int? exitCode, string errors, _) = await PipShieldProcess.RunWithSettingAsync(_folder, key, value, ("BlockPage:Enabled", "false"));

        Assert.Equal(1, exitCode);
        string line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(named, line, StringComparison.Ordinal);
    }
}
