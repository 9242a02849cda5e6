namespace PipShield.Service.Firewall;

/// <summary>What the firewall does with traffic to a listed address.</summary>
public enum FirewallAction
{
    /// <summary>Discard it; the sender waits for a timeout.</summary>
    Drop,

    /// <summary>Answer with ICMP "administratively prohibited", so the sender gives up at once.</summary>
    Reject,
}
