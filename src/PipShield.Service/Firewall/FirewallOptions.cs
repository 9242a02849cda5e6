using System.ComponentModel.DataAnnotations;

namespace PipShield.Service.Firewall;

/// <summary>Outbound enforcement: the listed IP prefixes become firewall rules (nftables on Linux, Windows Firewall on Windows).</summary>
public sealed class FirewallOptions
{
    public const string SectionName = "Firewall";

    /// <summary>Write firewall rules. Default false: it changes the host's firewall, and needs CAP_NET_ADMIN
    /// (Linux) or an administrator (Windows).</summary>
    public bool Enabled { get; set; }

    /// <summary>Host protects this machine only; Gateway also filters devices routed through it. Default Host.</summary>
    public FirewallMode Mode { get; set; } = FirewallMode.Host;

    /// <summary>What happens to traffic to a listed address: Drop (silently), or Reject (ICMP administratively
    /// prohibited, so programs fail at once). Default Drop.</summary>
    public FirewallAction Action { get; set; } = FirewallAction.Drop;

    /// <summary>Leave the rules in place while the service is stopped. Default true: fail closed.</summary>
    public bool KeepWhenStopped { get; set; } = true;

    /// <summary>In gateway mode, stop devices using any DNS resolver but this one (plain DNS on port 53 and
    /// DNS-over-TLS on 853). Default false.</summary>
    public bool StopDnsBypass { get; set; }

    /// <summary>What happens to bypassing DNS traffic: Drop, or Redirect plain DNS to this service (DNS-over-TLS is
    /// always dropped: it cannot be answered for another name). Default Drop.</summary>
    public BypassAction BypassAction { get; set; } = BypassAction.Drop;

    /// <summary>The nft program (Linux). Default <c>nft</c>, found on the PATH.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "must name the nft program")]
    public string NftPath { get; set; } = "nft";

    /// <summary>How often the record of devices that hit the drop rules is read for alerts. Default 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "must be between 1 second and 1 hour")]
    public TimeSpan HitPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The port plain DNS is redirected to with <see cref="BypassAction.Redirect"/>. Default 53.</summary>
    [Range(1, 65535, ErrorMessage = "must be a port from 1 to 65535")]
    public int RedirectPort { get; set; } = 53;
}
