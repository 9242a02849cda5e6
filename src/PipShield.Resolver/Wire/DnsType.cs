namespace PipShield.Resolver.Wire;

/// <summary>The record types the resolver reads or writes itself; any other value passes through.</summary>
public enum DnsType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    HINFO = 13,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    OPT = 41,
    SVCB = 64,
    HTTPS = 65,
    IXFR = 251,
    AXFR = 252,
    ANY = 255,
}
