namespace PipShield.Service.Devices;

/// <summary>Enrolled devices: where they are stored and the addresses their encrypted-DNS settings point at.</summary>
public sealed class DevicesOptions
{
    public const string SectionName = "Devices";

    /// <summary>The device store; a relative path is taken from <c>Lists:StateDirectory</c>. Default <c>devices.json</c>.</summary>
    public string StoreFile { get; set; } = "devices.json";

    /// <summary>Whether an encrypted query carrying an ID that is not enrolled is refused rather than answered as an
    /// unidentified client. Default false.</summary>
    public bool RefuseUnknownIds { get; set; }

    /// <summary>The DNS-over-HTTPS URL devices use, without the device ID (e.g. <c>https://dns.example.org/dns-query</c>);
    /// each device gets <c>{DohBaseUrl}/{id}</c>. Default: <c>https://{Resolver:Server:Tls:HostName}{Doh:Path}</c> (with DoH's
    /// port when it is not 443) once a certificate and host name are set; none otherwise.</summary>
    public string? DohBaseUrl { get; set; }

    /// <summary>The DNS-over-TLS host name (e.g. <c>dns.example.org</c>); each device uses <c>{id}.{DotHostName}</c>.
    /// Default: <c>Resolver:Server:Tls:HostName</c> once a certificate is set; none otherwise.</summary>
    public string? DotHostName { get; set; }

    /// <summary>Whether the Apple profile also installs the warning page's own CA as a trusted root. Default false: a
    /// trusted root can vouch for any site, so only install it where the warning page's HTTPS matters more.</summary>
    public bool ProfileIncludesOwnCa { get; set; }
}
