using PipShield.Blocklist;
using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Stages.Upstream;

/// <summary>
/// Caps how many upstream waits one client may hold, so a single device (or one infected with a random-subdomain
/// flood) cannot take every upstream slot from the others. A client is its IPv4 address or its IPv6 /64 (one
/// device's privacy addresses); clients are counted in a fixed table by hash, so two clients that share a slot share
/// its cap. Exempt prefixes (the host itself, a downstream forwarder that speaks for many devices) are not counted.
/// </summary>
internal sealed class ClientShares
{
    private const int SlotBits = 12; // 4,096 counters: 16 KiB

    private readonly int[] _waiting = new int[1 << SlotBits];
    private readonly int _perClient;
    private readonly IpPrefix[] _exempt;

    public ClientShares(int perClient, IReadOnlyList<IpPrefix> exempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perClient, 1);
        _perClient = perClient;
        _exempt = [.. exempt];
    }

    /// <summary>The most upstream waits one client may hold.</summary>
    public int PerClient => _perClient;

    /// <summary>Counts one more wait for <paramref name="client"/>.</summary>
    /// <param name="slot">What to pass to <see cref="Release"/>; -1 for an exempt client.</param>
    /// <returns>False, counting nothing, when the client already holds its share.</returns>
    public bool TryTake(ClientAddress client, out int slot)
    {
        if (IsExempt(client))
        {
            slot = -1;
            return true;
        }

        slot = Slot(client);
        if (Interlocked.Increment(ref _waiting[slot]) > _perClient)
        {
            Interlocked.Decrement(ref _waiting[slot]);
            return false;
        }

        return true;
    }

    public void Release(int slot)
    {
        if (slot >= 0)
        {
            Interlocked.Decrement(ref _waiting[slot]);
        }
    }

    private static int Slot(ClientAddress client)
    {
        ulong key = client.IsIPv6 ? (ulong)(client.Value >> 64) : (ulong)client.Value | 1UL << 63;
        return (int)((key * 0x9E3779B97F4A7C15UL) >> (64 - SlotBits)); // Fibonacci hashing: the top bits mix every bit of the key
    }

    private bool IsExempt(ClientAddress client)
    {
        foreach (IpPrefix prefix in _exempt)
        {
            if (prefix.IsIPv6 == client.IsIPv6 && prefix.Contains(client.Value))
            {
                return true;
            }
        }

        return false;
    }
}
