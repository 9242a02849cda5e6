using System.Buffers;
using PipShield.Resolver.Upstream;

namespace PipShield.Resolver.Stages.Upstream;

/// <summary>
/// One upstream query that other clients wait on (see <see cref="InflightQueries"/>). The leader publishes the raw
/// upstream reply once; each waiter copies it and makes it out to its own client. The reply lives in a pooled
/// buffer that the last of the leader and the waiters to let go returns.
/// </summary>
internal sealed class InflightQuery
{
    private readonly TaskCompletionSource<UpstreamResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[]? _reply;
    private int _references = 1; // the leader's

    public InflightQuery(int hash, ushort qtype, ushort qclass, byte flags, byte[] foldedName)
    {
        Hash = hash;
        QType = qtype;
        QClass = qclass;
        Flags = flags;
        FoldedName = foldedName;
    }

    public int Hash { get; }

    public ushort QType { get; }

    public ushort QClass { get; }

    /// <summary>The bits of the client's query that change the upstream answer: see <see cref="InflightQueries"/>.</summary>
    public byte Flags { get; }

    public byte[] FoldedName { get; }

    /// <summary>Completes with the leader's result; on <see cref="UpstreamStatus.Ok"/> the reply is in <see cref="Reply"/>.</summary>
    public Task<UpstreamResult> Completion => _completion.Task;

    /// <summary>True when the leader's own caller cancelled it: its result says nothing about the upstreams.</summary>
    public bool LeaderCancelled { get; private set; }

    // Owned by the table's lock.

    public InflightQuery? Next;

    public int Waiters;

    /// <summary>The upstream reply, valid once <see cref="Completion"/> completed with <see cref="UpstreamStatus.Ok"/> and until <see cref="Release"/>.</summary>
    public ReadOnlySpan<byte> Reply(int length) => _reply.AsSpan(0, length);

    public bool Matches(int hash, ushort qtype, ushort qclass, byte flags, ReadOnlySpan<byte> foldedName) =>
        Hash == hash && QType == qtype && QClass == qclass && Flags == flags && foldedName.SequenceEqual(FoldedName);

    /// <summary>A waiter joins; called under the table's lock, before the leader can publish.</summary>
    public void AddWaiter()
    {
        Waiters++;
        Interlocked.Increment(ref _references);
    }

    /// <summary>The leader's result; called once, after the flight left the table, so <paramref name="waiters"/> is final.</summary>
    public void Publish(UpstreamResult result, ReadOnlySpan<byte> response, int waiters, bool leaderCancelled)
    {
        if (waiters > 0 && result.Status == UpstreamStatus.Ok)
        {
            byte[] reply = ArrayPool<byte>.Shared.Rent(result.Length);
            response[..result.Length].CopyTo(reply);
            _reply = reply;
        }

        LeaderCancelled = leaderCancelled;
        _completion.SetResult(result);
        Release();
    }

    /// <summary>The leader after publishing, or a waiter after copying the reply (or giving up): lets go of the reply.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0 && _reply is { } reply)
        {
            _reply = null;
            ArrayPool<byte>.Shared.Return(reply);
        }
    }
}
