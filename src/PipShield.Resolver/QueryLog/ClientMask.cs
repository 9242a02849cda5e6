using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.QueryLog;

/// <summary>
/// Hides the host part of a client address for the query log: IPv4 keeps its /24 (the last octet becomes 0),
/// IPv6 keeps its /48 (the site prefix). The logged address still names the network a query came from, not
/// the device; the same masks that AdGuard Home and Pi-hole use for anonymised logs.
/// </summary>
public static class ClientMask
{
    public const int IPv4PrefixLength = 24;

    public const int IPv6PrefixLength = 48;

    public static ClientAddress Anonymize(ClientAddress client) => client.IsIPv6
        ? client with { Value = client.Value & (UInt128.MaxValue << (128 - IPv6PrefixLength)) }
        : client with { Value = client.Value & (0xFFFF_FFFFu << (32 - IPv4PrefixLength)) };
}
