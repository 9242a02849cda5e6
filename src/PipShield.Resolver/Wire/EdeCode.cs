namespace PipShield.Resolver.Wire;

/// <summary>Extended DNS Error codes (RFC 8914 §4) that PipShield sends.</summary>
public enum EdeCode : ushort
{
    Other = 0,
    StaleAnswer = 3,
    Prohibited = 18,
    Blocked = 15,
    Filtered = 17,
    NotSupported = 21,
    NoReachableAuthority = 22,
    NetworkError = 23,
}
