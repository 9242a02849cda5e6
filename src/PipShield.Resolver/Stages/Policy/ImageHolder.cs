using PipShield.Blocklist.Lookup;

namespace PipShield.Resolver.Stages.Policy;

/// <summary>
/// Holds the blocklist image in service and swaps it while queries run. Readers take a lease on a striped
/// counter (one cache line per stripe, so threads do not contend); a swapped-out image is unmapped once
/// its leases drain. No lock on the query path, and no query ever sees an unmapped image.
/// </summary>
public sealed class ImageHolder : IDisposable
{
    private const int StripeStride = 16; // ints: 64 bytes between stripes
    private static readonly int StripeMask = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount * 2) - 1;

    private Snapshot? _current;

    public ImageHolder(BlocklistImage? initial = null)
    {
        if (initial is not null)
        {
            _current = new Snapshot(initial);
        }
    }

    /// <summary>The image in service now, for reading its metadata; use <see cref="Acquire"/> for lookups.</summary>
    public BlocklistImage? Current => Volatile.Read(ref _current)?.Image;

    /// <summary>Images swapped out whose mapping is still held by a query in flight.</summary>
    public int Draining => _draining;

    private int _draining;

    /// <summary>Takes a lease on the current image; dispose it when the lookup is done.</summary>
    public Lease Acquire()
    {
        int stripe = (Environment.CurrentManagedThreadId & StripeMask) * StripeStride;
        while (true)
        {
            Snapshot? snapshot = Volatile.Read(ref _current);
            if (snapshot is null)
            {
                return default;
            }

            Interlocked.Increment(ref snapshot.Leases[stripe]);
            if (Volatile.Read(ref snapshot.Retired) == 0)
            {
                return new Lease(snapshot, stripe);
            }

            // Swapped out between the read and the increment: let go and read the new one.
            Interlocked.Decrement(ref snapshot.Leases[stripe]);
        }
    }

    /// <summary>Puts <paramref name="next"/> in service; the previous image is released once no query holds it.</summary>
    /// <returns>A task that completes when the previous image has been released.</returns>
    public Task SwapAsync(BlocklistImage next)
    {
        ArgumentNullException.ThrowIfNull(next);
        Snapshot? previous = Interlocked.Exchange(ref _current, new Snapshot(next));
        return previous is null ? Task.CompletedTask : RetireAsync(previous);
    }

    public void Dispose()
    {
        Snapshot? previous = Interlocked.Exchange(ref _current, null);
        if (previous is not null)
        {
            _ = RetireAsync(previous);
        }
    }

    private async Task RetireAsync(Snapshot snapshot)
    {
        Interlocked.Increment(ref _draining);
        Interlocked.Exchange(ref snapshot.Retired, 1);
        while (snapshot.LeaseCount() != 0)
        {
            await Task.Delay(5).ConfigureAwait(false);
        }

        snapshot.Image.Dispose();
        Interlocked.Decrement(ref _draining);
    }

    /// <summary>An image in service and its lease counters.</summary>
    public sealed class Snapshot(BlocklistImage image)
    {
        internal readonly int[] Leases = new int[(StripeMask + 1) * StripeStride];
        internal int Retired;

        public BlocklistImage Image { get; } = image;

        internal int LeaseCount()
        {
            int total = 0;
            for (int i = 0; i < Leases.Length; i += StripeStride)
            {
                total += Volatile.Read(ref Leases[i]);
            }

            return total;
        }
    }

    /// <summary>A lease on one image; <see cref="Image"/> is null when no image is loaded.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly Snapshot? _snapshot;
        private readonly int _stripe;

        internal Lease(Snapshot snapshot, int stripe)
        {
            _snapshot = snapshot;
            _stripe = stripe;
        }

        public BlocklistImage? Image => _snapshot?.Image;

        public void Dispose()
        {
            if (_snapshot is not null)
            {
                Interlocked.Decrement(ref _snapshot.Leases[_stripe]);
            }
        }
    }
}
