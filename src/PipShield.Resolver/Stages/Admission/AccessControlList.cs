using PipShield.Blocklist;
using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Stages.Admission;

/// <summary>Prefixes allowed to query. Immutable; a linear scan, as lists are a handful of prefixes.</summary>
public sealed class AccessControlList
{
    private readonly IpPrefix[] _prefixes;

    public AccessControlList(IEnumerable<IpPrefix> prefixes) => _prefixes = [.. prefixes];

    /// <summary>Loopback, RFC 1918 and RFC 6598 private ranges, link-local and unique-local: a LAN, never the internet.</summary>
    public static AccessControlList PrivateNetworks { get; } = Parse(
    [
        "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
        "::1/128", "fc00::/7", "fe80::/10",
    ]);

    /// <summary>The prefixes, for logging the effective configuration.</summary>
    public IReadOnlyList<IpPrefix> Prefixes => _prefixes;

    /// <exception cref="FormatException">An entry is not an address or prefix; the message names it.</exception>
    public static AccessControlList Parse(IEnumerable<string> prefixes)
    {
        var parsed = new List<IpPrefix>();
        foreach (string text in prefixes)
        {
            if (!IpPrefix.TryParse(text.Trim(), out IpPrefix prefix, out string? error))
            {
                throw new FormatException($"access control entry '{text}': {error}");
            }

            parsed.Add(prefix);
        }

        return new AccessControlList(parsed);
    }

    public bool Allows(ClientAddress client)
    {
        foreach (IpPrefix prefix in _prefixes)
        {
            if (prefix.IsIPv6 == client.IsIPv6 && prefix.Contains(client.Value))
            {
                return true;
            }
        }

        return false;
    }
}
