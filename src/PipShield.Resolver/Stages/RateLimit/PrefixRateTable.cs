namespace PipShield.Resolver.Stages.RateLimit;

/// <summary>
/// One token bucket per client prefix in a fixed array, allocated once: memory stays the same whatever the number of
/// clients. Each bucket is a single "theoretical arrival time" (GCRA, the cell-rate algorithm of ATM networks): a
/// response is allowed when, after adding one interval to it, it is no more than <c>burst</c> intervals ahead of now.
/// A bucket whose time has passed is full, the same as no bucket at all, so such entries are the ones given up first.
/// </summary>
/// <remarks>
/// Four-way set associative: a prefix hashes (with the per-process seed of <see cref="HashCode"/>, so senders cannot
/// aim at one set) to a set of four slots; a new prefix takes an empty slot, else the one whose time lies furthest in
/// the past. Sets are guarded by 64 striped locks, held for a handful of comparisons. Thread-safe; allocates nothing.
/// </remarks>
internal sealed class PrefixRateTable
{
    private const int Ways = 4;
    private const int LockCount = 64;

    private readonly Slot[] _slots;
    private readonly int _setMask;
    private readonly object[] _locks;
    private readonly long _interval;
    private readonly long _tolerance;
    private readonly uint _slip;

    /// <param name="size">Slots; rounded up to a power of two, at least 16.</param>
    /// <param name="timestampFrequency">Ticks per second of the timestamps given to <see cref="Check"/>.</param>
    public PrefixRateTable(int size, int responsesPerSecond, int burst, int slip, long timestampFrequency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(responsesPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(slip);
        int slots = (int)Math.Max(16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(size, 1)));
        _slots = new Slot[slots];
        _setMask = slots / Ways - 1;
        _locks = new object[LockCount];
        for (int i = 0; i < LockCount; i++)
        {
            _locks[i] = new object();
        }

        _interval = Math.Max(1, timestampFrequency / responsesPerSecond);
        _tolerance = _interval * burst;
        _slip = (uint)slip;
    }

    /// <summary>Slots in the table.</summary>
    public int Capacity => _slots.Length;

    /// <summary>Counts one response to <paramref name="prefix"/> at <paramref name="now"/> and says whether it may go.</summary>
    /// <param name="evicted">True when another prefix, still short of its full burst, lost its slot to this one.</param>
    public RateDecision Check(UInt128 prefix, bool isIPv6, long now, out bool evicted)
    {
        byte family = isIPv6 ? (byte)6 : (byte)4;
        int set = HashCode.Combine(prefix, family) & _setMask;
        int first = set * Ways;
        lock (_locks[set & (LockCount - 1)])
        {
            int victim = first;
            long victimTime = long.MaxValue;
            for (int i = first; i < first + Ways; i++)
            {
                ref Slot slot = ref _slots[i];
                if (slot.Family == family && slot.Prefix == prefix)
                {
                    evicted = false;
                    return Decide(ref slot, now);
                }

                long time = slot.Family == 0 ? long.MinValue : slot.ArrivalTime;
                if (time < victimTime)
                {
                    victim = i;
                    victimTime = time;
                }
            }

            ref Slot taken = ref _slots[victim];
            evicted = taken.Family != 0 && taken.ArrivalTime > now;
            taken = new Slot { Prefix = prefix, Family = family, ArrivalTime = now };
            return Decide(ref taken, now);
        }
    }

    private RateDecision Decide(ref Slot slot, long now)
    {
        long next = Math.Max(slot.ArrivalTime, now) + _interval;
        if (next - now <= _tolerance)
        {
            slot.ArrivalTime = next;
            return RateDecision.Allow;
        }

        // Over the limit: the bucket is left as it is, so a sender that keeps going stays limited, and one that
        // stops is allowed again once a response's worth of time has passed.
        slot.Limited++;
        return _slip != 0 && slot.Limited % _slip == 0 ? RateDecision.Slip : RateDecision.Drop;
    }

    /// <summary>One tracked prefix: 32 bytes.</summary>
    private struct Slot
    {
        public UInt128 Prefix;
        public long ArrivalTime;
        public uint Limited;
        public byte Family; // 0 for an empty slot, else 4 or 6
    }
}
