using System.ComponentModel.DataAnnotations;

namespace PipShield.Service.BlockPage;

/// <summary>The warning page shown for sinkholed names: where it listens, what it says, and its HTTPS set-up.</summary>
public sealed class BlockPageOptions
{
    public const string SectionName = "BlockPage";

    /// <summary>Serve the warning page. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where the page listens for HTTP, as <c>ADDR:PORT</c>. Default <c>127.0.0.1:80</c> and <c>[::1]:80</c>.</summary>
    public List<string> HttpEndPoints { get; set; } = [];

    /// <summary>Where the page listens for HTTPS; used only with a certificate or <see cref="OwnCa"/>. Default
    /// <c>127.0.0.1:443</c> and <c>[::1]:443</c>.</summary>
    public List<string> HttpsEndPoints { get; set; } = [];

    /// <summary>
    /// The IPv4 address devices reach the page on, answered for blocked A queries unless
    /// <c>Resolver:Policy:SinkholeIPv4</c> is set. Default: the first IPv4 listen address that is not a wildcard.
    /// </summary>
    public string? AddressIPv4 { get; set; }

    /// <summary>The IPv6 address devices reach the page on, for blocked AAAA queries. Default: the first IPv6
    /// listen address that is not a wildcard.</summary>
    public string? AddressIPv6 { get; set; }

    /// <summary>Who runs this PipShield, named on the page. Default "PipShield".</summary>
    [StringLength(100, MinimumLength = 1)]
    public string Organisation { get; set; } = "PipShield";

    /// <summary>Who to contact about a block, as people would say it ("Sam, your IT lead"). Default "your IT lead".</summary>
    [StringLength(200, MinimumLength = 1)]
    public string Contact { get; set; } = "your IT lead";

    /// <summary>Where to report a false positive: an email address or an https URL. Default none.</summary>
    [StringLength(500)]
    public string? ReportAddress { get; set; }

    /// <summary>PEM certificate or PFX file for the HTTPS page. Default none (HTTPS off unless <see cref="OwnCa"/>).</summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="CertificateFile"/>; not used with a PFX. Default none.</summary>
    public string? CertificateKeyFile { get; set; }

    /// <summary>Password of a PFX <see cref="CertificateFile"/>. Default none. Never logged.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// Make and use PipShield's own certificate authority, minting a short-lived certificate per blocked name.
    /// Only for managed devices that were told to trust it; see docs/WARNING-PAGE.md. Default false.
    /// </summary>
    public bool OwnCa { get; set; }

    /// <summary>Lifetime of the certificates minted under <see cref="OwnCa"/>. Default 2 days.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "7.00:00:00", ErrorMessage = "must be between 1 hour and 7 days")]
    public TimeSpan MintedLifetime { get; set; } = TimeSpan.FromDays(2);
}
