namespace PipShield.Blocklist;

/// <summary>
/// How a blocked query is answered. A rule's own action (from RPZ data) beats its source's action;
/// <see cref="Default"/> leaves the choice to the resolver's per-category configuration.
/// </summary>
public enum RuleAction : byte
{
    /// <summary>Use the action configured for the source's category.</summary>
    Default = 0,

    /// <summary>Answer A/AAAA with the warning page's address; NODATA for other types.</summary>
    Sinkhole = 1,

    /// <summary>NXDOMAIN (RPZ <c>CNAME .</c>).</summary>
    NxDomain = 2,

    /// <summary>NOERROR with no answer (RPZ <c>CNAME *.</c>).</summary>
    NoData = 3,

    /// <summary>REFUSED.</summary>
    Refused = 4,

    /// <summary>Send no answer (RPZ <c>CNAME rpz-drop.</c>).</summary>
    Drop = 5,

    /// <summary>Answer with the rule's own local data (RPZ A/AAAA/CNAME records), a sinkhole override.</summary>
    LocalData = 6,
}
