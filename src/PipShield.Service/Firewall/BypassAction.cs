namespace PipShield.Service.Firewall;

/// <summary>What gateway mode does with DNS traffic that goes to another resolver.</summary>
public enum BypassAction
{
    /// <summary>Discard it, so devices fall back to the resolver they were given.</summary>
    Drop,

    /// <summary>Send plain DNS to this service instead (DNS-over-TLS is still dropped).</summary>
    Redirect,
}
