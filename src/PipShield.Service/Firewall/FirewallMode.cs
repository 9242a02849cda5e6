namespace PipShield.Service.Firewall;

/// <summary>Which traffic the firewall rules cover.</summary>
public enum FirewallMode
{
    /// <summary>Traffic this machine sends (the output hook).</summary>
    Host,

    /// <summary>Also traffic routed through this machine from other devices (the forward hook).</summary>
    Gateway,
}
