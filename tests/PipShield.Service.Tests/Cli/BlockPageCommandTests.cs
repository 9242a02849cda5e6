using System.Security.Cryptography.X509Certificates;

namespace PipShield.Service.Tests.Cli;

/// <summary><c>pipshield blockpage ca</c>: the CA for device enrolment.</summary>
public sealed class BlockPageCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void BlockpageCa_CreatesTheCaOnce_AndPrintsTheSameCertificateEachTime()
    {
        string state = _workspace.PathOf("state");

        CliRun first = CliWorkspace.Run("blockpage", "ca", "--state-dir", state);
        CliRun second = CliWorkspace.Run("blockpage", "ca", "--state-dir", state);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.Stdout, second.Stdout);
        using X509Certificate2 ca = X509Certificate2.CreateFromPem(first.Stdout);
        Assert.True(Assert.Single(ca.Extensions.OfType<X509BasicConstraintsExtension>()).CertificateAuthority);
        Assert.DoesNotContain("PRIVATE KEY", first.Stdout);
        Assert.Contains("blockpage-ca.crt.pem", first.Stderr);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(state, "blockpage-ca", "blockpage-ca.key.pem")));
        }
    }
}
