using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Listeners;

/// <summary>
/// One UDP query and the address to answer: the receive loop reads into it, and when the pipeline has to wait on
/// I/O the exchange is handed off and answers from the awaiting continuation. Pooled per listener; the completion
/// callback is a delegate made once per exchange, so a handoff allocates nothing of its own.
/// </summary>
internal sealed class UdpExchange
{
    private readonly UdpListener _owner;
    private readonly Action _onCompleted;
    private ConfiguredValueTaskAwaitable<bool>.ConfiguredValueTaskAwaiter _pending;

    public UdpExchange(UdpListener owner, AddressFamily family)
    {
        _owner = owner;
        Remote = new SocketAddress(family);
        _onCompleted = OnCompleted;
    }

    /// <summary>The query; rented from the server's pool while the exchange is in use, null while it is idle.</summary>
    public QueryContext? Context { get; set; }

    /// <summary>The client's address, filled in by the receive call and used as is for the reply.</summary>
    public SocketAddress Remote { get; }

    /// <summary>Answers once <paramref name="pending"/> completes, on whichever thread completes it.</summary>
    public void AwaitCompletion(ValueTask<bool> pending)
    {
        // ConfigureAwait(false) and UnsafeOnCompleted: no context capture and no ExecutionContext flow; the reply is
        // a non-blocking sendto, so it runs inline on the thread that completed the upstream I/O.
        _pending = pending.ConfigureAwait(false).GetAwaiter();
        _pending.UnsafeOnCompleted(_onCompleted);
    }

    private void OnCompleted()
    {
        bool hasResponse = false;
        Exception? fault = null;
        try
        {
            hasResponse = _pending.GetResult();
        }
        catch (Exception ex)
        {
            fault = ex; // cancellation at shutdown, or a stage bug the pipeline did not catch
        }
        finally
        {
            _pending = default;
        }

        _owner.Complete(this, hasResponse, fault);
    }
}
