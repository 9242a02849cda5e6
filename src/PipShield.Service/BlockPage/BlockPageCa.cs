using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using PipShield.Service.Hosting;

namespace PipShield.Service.BlockPage;

/// <summary>
/// PipShield's own certificate authority for the HTTPS warning page (opt-in, managed devices only). Its key is
/// made on this host, kept in the state directory readable by the service alone, and never leaves it; leaf
/// certificates are minted per blocked name, short-lived, and cached in a bounded table.
/// </summary>
internal sealed class BlockPageCa : IDisposable
{
    public const string CertificateFileName = "blockpage-ca.crt.pem";
    public const string KeyFileName = "blockpage-ca.key.pem";
    private const int MaxCached = 1024;
    private const string NoSniName = "pipshield-warning-page.invalid";
    private static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3 * 365);

    private readonly X509Certificate2 _ca;
    private readonly ECDsa _caKey;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, X509Certificate2> _minted = new(StringComparer.Ordinal);

    private BlockPageCa(X509Certificate2 ca, ECDsa caKey, TimeSpan lifetime, TimeProvider time, string directory)
    {
        _ca = ca;
        _caKey = caKey;
        _lifetime = lifetime;
        _time = time;
        Directory = directory;
    }

    /// <summary>The folder holding the CA files.</summary>
    public string Directory { get; }

    /// <summary>The CA certificate (public part only), for enrolment profiles.</summary>
    public X509Certificate2 Certificate => _ca;

    /// <summary>Path of the CA certificate in PEM, to hand to device management.</summary>
    public string CertificatePath => Path.Combine(Directory, CertificateFileName);

    /// <summary>The CA folder inside the state directory (the one <see cref="ListsOptions.StateDirectory"/> names).</summary>
    /// <remarks>A relative state directory is found as the image loader finds it: in the working directory when it
    /// exists there, else in the program's folder.</remarks>
    public static string DirectoryFor(string? stateDirectory)
    {
        return Path.Combine(ImageLoader.StateDirectoryOf(stateDirectory), "blockpage-ca");
    }

    /// <summary>Loads the CA from <paramref name="directory"/>, creating it on first use.</summary>
    /// <exception cref="StartupException">The files exist but cannot be read, or do not match.</exception>
    public static BlockPageCa LoadOrCreate(string directory, BlockPageOptions options, TimeProvider time, ILogger? logger)
    {
        string certificatePath = Path.Combine(directory, CertificateFileName);
        string keyPath = Path.Combine(directory, KeyFileName);
        try
        {
            CreatePrivateDirectory(directory);
            if (!File.Exists(certificatePath) || !File.Exists(keyPath))
            {
                Create(certificatePath, keyPath, options.Organisation, time);
                if (logger is not null)
                {
                    BlockPageLog.CaCreated(logger, certificatePath);
                }
            }
            else if (!OperatingSystem.IsWindows())
            {
                // Someone may have copied the files with looser permissions; the key is for the service alone.
                File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(certificatePath);
            var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(keyPath));
            if (!ca.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw new CryptographicException("the key does not belong to the certificate");
            }

            if (logger is not null)
            {
                BlockPageLog.CaLoaded(logger, certificatePath, ca.NotAfter);
            }

            return new BlockPageCa(ca, key, options.MintedLifetime, time, directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new StartupException($"{BlockPageOptions.SectionName}:OwnCa: {directory}: {ex.Message}");
        }
    }

    /// <summary>A certificate for <paramref name="serverName"/>, minted now or taken from the cache while it has
    /// more than half its life left. A missing or unusable name gets a certificate for a fixed .invalid name.</summary>
    public X509Certificate2 CertificateFor(string? serverName)
    {
        string name = BlockPageLookup.Normalize(serverName) ?? NoSniName;
        DateTimeOffset now = _time.GetUtcNow();
        if (_minted.TryGetValue(name, out X509Certificate2? cached) && cached.NotAfter.ToUniversalTime() - now > _lifetime / 2)
        {
            return cached;
        }

        if (_minted.Count >= MaxCached)
        {
            _minted.Clear(); // crude but bounded: a flood of names costs re-minting, never memory
        }

        X509Certificate2 minted = Mint(name, now);
        _minted[name] = minted;
        return minted;
    }

    public void Dispose()
    {
        _caKey.Dispose();
        _ca.Dispose();
    }

    private X509Certificate2 Mint(string name, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + name), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        if (IPAddress.TryParse(name, out IPAddress? address))
        {
            san.AddIpAddress(address);
        }
        else
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build(critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // serverAuth
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        DateTimeOffset notBefore = now.AddMinutes(-5); // a little slack for clocks running behind
        DateTimeOffset notAfter = now + _lifetime;
        if (notAfter > _ca.NotAfter)
        {
            notAfter = _ca.NotAfter;
        }

        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // RFC 5280 §4.1.2.2: a positive serial number
        using X509Certificate2 issued = request.Create(_ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), notBefore, notAfter, serial);
        using X509Certificate2 withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private static void Create(string certificatePath, string keyPath, string organisation, TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName(organisation);
        subject.AddCommonName($"PipShield warning page CA ({Environment.MachineName})");
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, critical: true)); // signs leaves only
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        DateTimeOffset now = time.GetUtcNow();
        using X509Certificate2 ca = request.CreateSelfSigned(now.AddHours(-1), now + CaLifetime);

        // The key is written first, created 0600 from the start so it is never readable by others, then renamed.
        WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, ca.ExportCertificatePem() + "\n");
    }

    private static void WritePrivate(string path, string text)
    {
        string temporary = path + "." + Environment.ProcessId + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static void CreatePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(directory);
            return;
        }

        System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
