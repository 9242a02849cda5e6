namespace PipShield.Service.Enrolment;

/// <summary>Whether a device can follow the enrolment page's link.</summary>
internal enum PageReach : byte
{
    /// <summary>The link uses an address other devices on the network can reach.</summary>
    Reachable,

    /// <summary>The only address known is loopback (or a wildcard): the link works on the server itself only.</summary>
    LocalOnly,

    /// <summary>The warning page listens on wildcard addresses only and no <c>BlockPage:AddressIPv4/IPv6</c> is set.</summary>
    NoAddress,

    /// <summary>The warning page is off (<c>BlockPage:Enabled</c>) or has no HTTP endpoint, so there is no page.</summary>
    Off,
}
