namespace PipShield.Resolver.Listeners.Tls;

/// <summary>
/// The certificate DNS-over-TLS and DNS-over-HTTPS present (<c>Resolver:Server:Tls</c>). Both stay off while
/// <see cref="CertificateFile"/> is unset.
/// </summary>
public sealed class TlsOptions
{
    /// <summary>A PEM certificate (chain) with <see cref="KeyFile"/>, or a PKCS#12 (.pfx) file without it. Default none: encrypted DNS off.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The PEM private key of <see cref="CertificateFile"/>; unset for a PKCS#12 file. Default none.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Password of the PKCS#12 file or of an encrypted PEM key. Default none. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// The name clients reach the service by, e.g. <c>dns.example.org</c>. A DoT client naming
    /// <c>{device-id}.dns.example.org</c> (SNI) is identified as that device. Default none: no device IDs over DoT.
    /// </summary>
    public string? HostName { get; set; }

    /// <summary>Whether a certificate is configured, which turns encrypted DNS on.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(CertificateFile);

    /// <summary>Cross-field checks; one message per problem, naming the key under <paramref name="section"/>.</summary>
    public IReadOnlyList<string> Validate(string section)
    {
        var errors = new List<string>();
        if (!IsConfigured)
        {
            if (!string.IsNullOrWhiteSpace(KeyFile))
            {
                errors.Add($"{section}:KeyFile: set, but {section}:CertificateFile is not");
            }

            return errors;
        }

        if (!File.Exists(CertificateFile))
        {
            errors.Add($"{section}:CertificateFile: {CertificateFile} does not exist");
        }

        if (KeyFile is { Length: > 0 } key && !File.Exists(key))
        {
            errors.Add($"{section}:KeyFile: {key} does not exist");
        }

        if (HostName is { Length: > 0 } host && (host.Contains(' ', StringComparison.Ordinal) || host.StartsWith('.') || host.EndsWith('.') || Uri.CheckHostName(host) != UriHostNameType.Dns))
        {
            errors.Add($"{section}:HostName: '{host}' is not a DNS name such as dns.example.org");
        }

        return errors;
    }
}
