using System.Numerics;
using System.Runtime.InteropServices;
using PipShield.Blocklist;
using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.QueryLog;

/// <summary>
/// A fixed-size ring of <see cref="QueryLogEntry"/> between the query path (any number of listener threads)
/// and one writer. Writing never waits and never allocates: when the ring is full the entry is dropped and
/// counted in <see cref="Dropped"/>, so a slow disk or a flood can cost log lines but never slow a query.
/// </summary>
/// <remarks>
/// Dmitry Vyukov's bounded queue: each slot carries a sequence number that says whose turn it is, so
/// producers claim slots with one compare-and-swap and the reader needs no lock.
/// </remarks>
public sealed class QueryLogQueue : IQueryLog
{
    /// <summary>Default capacity: about 5 MB of entries, a few seconds of a busy home network.</summary>
    public const int DefaultCapacity = 8192;

    private readonly Slot[] _slots;
    private readonly int _mask;
    private readonly bool _blocksOnly;
    private readonly bool _anonymize;
    private Positions _positions;

    /// <param name="blocksOnly">Keep only blocked queries (the privacy-minded default); false keeps every query.</param>
    /// <param name="anonymize">Mask client addresses as they are captured (<see cref="ClientMask"/>).</param>
    /// <param name="capacity">Entries held at most; rounded up to a power of two.</param>
    public QueryLogQueue(bool blocksOnly, bool anonymize, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 20);
        capacity = (int)BitOperations.RoundUpToPowerOf2((uint)capacity);
        _slots = new Slot[capacity];
        _mask = capacity - 1;
        for (int i = 0; i < capacity; i++)
        {
            _slots[i].Sequence = i;
        }

        _blocksOnly = blocksOnly;
        _anonymize = anonymize;
    }

    public int Capacity => _slots.Length;

    /// <summary>Entries dropped because the ring was full, since start.</summary>
    public long Dropped => Interlocked.Read(ref _positions.Dropped);

    /// <summary>Captures <paramref name="query"/> unless it is filtered out (no question, or allowed when only
    /// blocks are kept) or the ring is full.</summary>
    public void Record(QueryContext query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!query.Query.HasQuestion || (_blocksOnly && query.Decision.Verdict != Verdict.Blocked))
        {
            return;
        }

        if (!TryClaim(out long position))
        {
            Interlocked.Increment(ref _positions.Dropped);
            return;
        }

        ref Slot slot = ref _slots[position & _mask];
        slot.Entry.Capture(query, _anonymize);
        Volatile.Write(ref slot.Sequence, position + 1);
    }

    /// <summary>Takes the oldest entry. Only one thread may read.</summary>
    /// <returns>False when the ring is empty (or the next entry is still being written).</returns>
    public bool TryRead(out QueryLogEntry entry)
    {
        long position = _positions.Read;
        ref Slot slot = ref _slots[position & _mask];
        if (Volatile.Read(ref slot.Sequence) != position + 1)
        {
            entry = default;
            return false;
        }

        entry = slot.Entry;
        slot.Entry.Source = null; // do not keep an old image's source table alive
        _positions.Read = position + 1;
        Volatile.Write(ref slot.Sequence, position + _slots.Length);
        return true;
    }

    private bool TryClaim(out long position)
    {
        // Bounded: each failed compare-and-swap means another producer claimed a slot, and a full ring returns at once.
        for (int attempt = 0; attempt < 1024; attempt++)
        {
            position = Volatile.Read(ref _positions.Write);
            long sequence = Volatile.Read(ref _slots[position & _mask].Sequence);
            if (sequence == position)
            {
                if (Interlocked.CompareExchange(ref _positions.Write, position + 1, position) == position)
                {
                    return true;
                }
            }
            else if (sequence < position)
            {
                return false; // full: the reader has not freed this slot yet
            }
        }

        position = 0;
        return false;
    }

    /// <summary>The producers' and the reader's positions on separate cache lines, so reading does not slow writing.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct Positions
    {
        [FieldOffset(64)]
        public long Write;

        [FieldOffset(72)]
        public long Dropped;

        [FieldOffset(128)]
        public long Read;
    }

    private struct Slot
    {
        public long Sequence;
        public QueryLogEntry Entry;
    }
}
