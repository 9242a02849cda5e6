namespace PipShield.Resolver.Wire;

/// <summary>Response codes (RFC 1035 §4.1.1, RFC 6891 §9 for the extended BADVERS).</summary>
public enum Rcode : ushort
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NxDomain = 3,
    NotImp = 4,
    Refused = 5,
    BadVers = 16,
}
