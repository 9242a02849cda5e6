using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using PipShield.Service.Hosting;

namespace PipShield.Service.BlockPage;

/// <summary>The certificate the HTTPS page presents: one configured certificate, or one minted per name by the own CA.</summary>
internal sealed class BlockPageCertificates : IDisposable
{
    private readonly X509Certificate2? _fixed;
    private readonly BlockPageCa? _ca;

    private BlockPageCertificates(X509Certificate2? fixedCertificate, BlockPageCa? ca)
    {
        _fixed = fixedCertificate;
        _ca = ca;
    }

    /// <summary>The own CA when <see cref="BlockPageOptions.OwnCa"/> is on; null otherwise.</summary>
    public BlockPageCa? Ca => _ca;

    /// <summary>The certificates for <paramref name="options"/>; null when HTTPS is off (no certificate, no own CA).</summary>
    /// <exception cref="StartupException">The configured certificate or the CA files cannot be read.</exception>
    public static BlockPageCertificates? Create(BlockPageOptions options, string? stateDirectory, ILogger logger)
    {
        if (options.CertificateFile is { } file)
        {
            return new BlockPageCertificates(LoadConfigured(file, options.CertificateKeyFile, options.CertificatePassword), null);
        }

        if (options.OwnCa)
        {
            return new BlockPageCertificates(null, BlockPageCa.LoadOrCreate(BlockPageCa.DirectoryFor(stateDirectory), options, TimeProvider.System, logger));
        }

        return null;
    }

    /// <summary>The certificate for a TLS handshake naming <paramref name="serverName"/> (SNI; null without it).</summary>
    public X509Certificate2 Select(string? serverName) => _fixed ?? _ca!.CertificateFor(serverName);

    public void Dispose()
    {
        _fixed?.Dispose();
        _ca?.Dispose();
    }

    private static X509Certificate2 LoadConfigured(string file, string? keyFile, string? password)
    {
        const string Key = BlockPageOptions.SectionName + ":CertificateFile";
        try
        {
            if (keyFile is null)
            {
                return X509CertificateLoader.LoadPkcs12FromFile(file, password, X509KeyStorageFlags.EphemeralKeySet);
            }

            using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(file, keyFile);

            // A PEM key is ephemeral; SslStream on Windows needs it in a PKCS#12 round trip. Harmless elsewhere.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new StartupException($"{Key}: {file}: {ex.Message}");
        }
    }
}
