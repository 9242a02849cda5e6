namespace PipShield.Resolver.Pipeline;

/// <summary>How a query reached PipShield.</summary>
public enum Transport : byte
{
    Udp = 0,
    Tcp = 1,
    Tls = 2,
    Https = 3,
}
