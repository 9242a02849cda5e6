using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace PipShield.Resolver.Listeners.Tls;

/// <summary>
/// The server certificate of the encrypted-DNS listeners, reloaded when its files change: certificates are renewed
/// (ACME every 60-90 days) while clients stay connected, so a restart must not be needed. Handshakes ask for
/// <see cref="Current"/>; at most every <see cref="CheckInterval"/> one of them compares the files' timestamps and,
/// when they changed, loads the new pair and swaps it in. A pair that fails to load (half-written, key not
/// matching) is logged and the last good certificate stays in use. Thread-safe.
/// </summary>
public sealed class ReloadingCertificate : IDisposable
{
    /// <summary>How often, at most, a handshake looks at the files' timestamps.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    private readonly TlsOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly object _reloadGate = new();
    private Loaded _current;
    private long _nextCheck;
    private (DateTime, DateTime) _failedStamp; // the files as they were when they last failed to load: logged once, not every check

    private ReloadingCertificate(TlsOptions options, ILogger logger, TimeProvider time, Loaded first)
    {
        _options = options;
        _logger = logger;
        _time = time;
        _current = first;
        _nextCheck = time.GetTimestamp() + Ticks(CheckInterval);
    }

    /// <summary>The certificate in service now (the leaf, with its private key).</summary>
    public X509Certificate2 Certificate
    {
        get
        {
            _ = Current; // checks the files when due
            return Volatile.Read(ref _current).Certificate;
        }
    }

    /// <summary>The context a handshake uses; checks the files first when the check interval has passed.</summary>
    public SslStreamCertificateContext Current
    {
        get
        {
            long now = _time.GetTimestamp();
            if (now >= Volatile.Read(ref _nextCheck))
            {
                CheckFiles(now);
            }

            return Volatile.Read(ref _current).Context;
        }
    }

    /// <summary>Loads the certificate named by <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The files cannot be read or do not hold a certificate with its key; the message names the file.</exception>
    public static ReloadingCertificate Load(TlsOptions options, ILogger logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        time ??= TimeProvider.System;
        try
        {
            return new ReloadingCertificate(options, logger, time, Read(options));
        }
        catch (Exception ex) when (IsLoadFailure(ex))
        {
            throw new ArgumentException($"Resolver:Server:Tls:CertificateFile: {options.CertificateFile}: {ex.Message}", ex);
        }
    }

    public void Dispose() => Volatile.Read(ref _current).Certificate.Dispose();

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * TimeProvider.System.TimestampFrequency);

    private void CheckFiles(long now)
    {
        // One handshake checks; the others carry on with the current certificate.
        if (!Monitor.TryEnter(_reloadGate))
        {
            return;
        }

        try
        {
            Volatile.Write(ref _nextCheck, now + Ticks(CheckInterval));
            (DateTime, DateTime) stamp = Stamp(_options);
            if (stamp == _current.Stamp || stamp == _failedStamp)
            {
                return;
            }

            Loaded next;
            try
            {
                next = Read(_options);
            }
            catch (Exception ex) when (IsLoadFailure(ex))
            {
                _failedStamp = stamp;
                TlsLog.ReloadFailed(_logger, _options.CertificateFile!, ex.Message);
                return;
            }

            Volatile.Write(ref _current, next);
            TlsLog.Reloaded(_logger, next.Certificate.Subject, next.Certificate.NotAfter.ToUniversalTime());

            // The old certificate is not disposed: connections that already shook hands may still refer to it, and
            // a reload a day at most costs nothing worth reclaiming.
        }
        finally
        {
            Monitor.Exit(_reloadGate);
        }
    }

    private static bool IsLoadFailure(Exception ex) =>
        ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException or InvalidOperationException;

    private static (DateTime, DateTime) Stamp(TlsOptions options) =>
        (File.GetLastWriteTimeUtc(options.CertificateFile!), options.KeyFile is { Length: > 0 } key ? File.GetLastWriteTimeUtc(key) : default);

    private static Loaded Read(TlsOptions options)
    {
        (DateTime, DateTime) stamp = Stamp(options);
        string file = options.CertificateFile!;
        X509Certificate2 leaf;
        X509Certificate2Collection chain = [];
        if (options.KeyFile is { Length: > 0 } keyFile)
        {
            using X509Certificate2 pem = options.Password is { Length: > 0 } password
                ? X509Certificate2.CreateFromEncryptedPemFile(file, password, keyFile)
                : X509Certificate2.CreateFromPemFile(file, keyFile);

            // A PEM key is ephemeral; SslStream on Windows needs it through a PKCS#12 round trip. Harmless elsewhere.
            leaf = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            chain.ImportFromPemFile(file);
            chain.RemoveAt(0); // the leaf itself; the rest are intermediates sent with it
        }
        else
        {
            X509Certificate2Collection all = X509CertificateLoader.LoadPkcs12CollectionFromFile(file, options.Password, X509KeyStorageFlags.EphemeralKeySet);
            leaf = all.FirstOrDefault(c => c.HasPrivateKey) ?? throw new CryptographicException("the file holds no certificate with a private key");
            foreach (X509Certificate2 other in all)
            {
                if (!ReferenceEquals(other, leaf))
                {
                    chain.Add(other);
                }
            }
        }

        if (!leaf.HasPrivateKey)
        {
            throw new CryptographicException("the certificate has no private key");
        }

        var context = SslStreamCertificateContext.Create(leaf, chain, offline: true);
        return new Loaded(leaf, context, stamp);
    }

    private sealed record Loaded(X509Certificate2 Certificate, SslStreamCertificateContext Context, (DateTime, DateTime) Stamp);
}
