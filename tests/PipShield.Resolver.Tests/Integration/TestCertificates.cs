using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PipShield.Tests.Tls;

/// <summary>
/// A throwaway CA and a server certificate it signed, written as PEM files to a temporary folder: <c>ca.pem</c> for
/// clients, <c>server.pem</c> + <c>server.key</c> for the server. The server certificate names <see cref="HostName"/>,
/// <c>*.HostName</c> (device IDs in SNI), localhost, 127.0.0.1 and ::1. Shared by the Resolver and Service tests.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    public const string HostName = "dns.example.org";

    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private int _serial;

    public TestCertificates()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("pipshield-tls-").FullName;
        var request = new CertificateRequest("CN=PipShield Test CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(CaFile, Ca.ExportCertificatePem());
        Issue("first");
    }

    public string Directory { get; }

    public X509Certificate2 Ca { get; }

    public string CaFile => Path.Combine(Directory, "ca.pem");

    public string CertificateFile => Path.Combine(Directory, "server.pem");

    public string KeyFile => Path.Combine(Directory, "server.key");

    /// <summary>The thumbprint of the server certificate last written.</summary>
    public string Thumbprint { get; private set; } = "";

    /// <summary>Writes a new server certificate and key (a new key pair, organisation <paramref name="label"/>) over the old files.</summary>
    public void Issue(string label)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={HostName}, O={label}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(HostName);
        names.AddDnsName("*." + HostName);
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        byte[] serial = BitConverter.GetBytes(Interlocked.Increment(ref _serial) + 1000);
        using X509Certificate2 certificate = request.Create(Ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        Thumbprint = certificate.Thumbprint;

        // Write beside and move over, as certbot does, so the server never reads half a file.
        string certTemp = CertificateFile + ".new", keyTemp = KeyFile + ".new";
        File.WriteAllText(certTemp, certificate.ExportCertificatePem() + "\n" + Ca.ExportCertificatePem());
        File.WriteAllText(keyTemp, key.ExportPkcs8PrivateKeyPem());
        File.Move(keyTemp, KeyFile, overwrite: true);
        File.Move(certTemp, CertificateFile, overwrite: true);
    }

    /// <summary>Accepts exactly the chains that end at this test CA, for .NET clients.</summary>
    public bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    public void Dispose()
    {
        Ca.Dispose();
        _caKey.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
