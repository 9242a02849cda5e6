using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PipShield.Resolver.Upstream;

/// <summary>
/// Which certificates encrypted upstreams may present: by default any that chains to the system's trusted roots; with
/// <see cref="UpstreamOptions.CaFile"/>, only those that chain to the CAs in that file (a resolver of your own with a
/// private CA). The name is checked either way.
/// </summary>
internal sealed class UpstreamTrust
{
    private readonly X509Certificate2Collection? _roots;

    private UpstreamTrust(X509Certificate2Collection? roots) => _roots = roots;

    public static UpstreamTrust System { get; } = new(null);

    /// <summary>Reads <paramref name="caFile"/> (PEM, one or more certificates); the system's roots when it is null or empty.</summary>
    /// <exception cref="ArgumentException">The file cannot be read or holds no certificate; the message names the key and the file.</exception>
    public static UpstreamTrust From(string? caFile)
    {
        if (string.IsNullOrWhiteSpace(caFile))
        {
            return System;
        }

        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(caFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ArgumentException($"{UpstreamOptions.SectionName}:CaFile: cannot read '{caFile}': {ex.Message}", nameof(caFile), ex);
        }

        if (roots.Count == 0)
        {
            throw new ArgumentException($"{UpstreamOptions.SectionName}:CaFile: '{caFile}' holds no PEM certificate", nameof(caFile));
        }

        return new UpstreamTrust(roots);
    }

    /// <summary>A chain policy for one connection; null to use the system's roots.</summary>
    public X509ChainPolicy? ChainPolicy()
    {
        if (_roots is null)
        {
            return null;
        }

        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            // A private CA rarely publishes revocation lists; the system-roots path does not check them either.
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(_roots);
        return policy;
    }
}
