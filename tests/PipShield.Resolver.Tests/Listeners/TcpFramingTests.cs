using System.Buffers;
using System.IO.Pipelines;
using PipShield.Resolver.Listeners;

namespace PipShield.Resolver.Tests.Listeners;

public sealed class TcpFramingTests
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, Segment? previous = null)
        {
            Memory = bytes;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }

    [Fact]
    public void TryReadMessage_ReadsMessages_WhosePrefixAndBodySpanSegments()
    {
        // Two messages (3 and 2 bytes) split at awkward points: inside the first prefix and inside the second body.
        var first = new Segment([0]);
        var second = new Segment([3, 1, 2, 3, 0, 2, 4], first);
        var third = new Segment([5, 9], second);
        var buffer = new ReadOnlySequence<byte>(first, 0, third, 2);

        Assert.True(TcpFraming.TryReadMessage(ref buffer, out ReadOnlySequence<byte> a));
        Assert.True(TcpFraming.TryReadMessage(ref buffer, out ReadOnlySequence<byte> b));
        Assert.False(TcpFraming.TryReadMessage(ref buffer, out _));

        Assert.Equal([1, 2, 3], a.ToArray());
        Assert.Equal([4, 5], b.ToArray());
        Assert.Equal([9], buffer.ToArray());
    }

    [Fact]
    public void TryReadMessage_LeavesAnIncompleteMessage_InTheBuffer()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0, 5, 1, 2 });

        Assert.False(TcpFraming.TryReadMessage(ref buffer, out _));
        Assert.Equal(4, buffer.Length);
    }

    [Fact]
    public async Task Write_PrefixesTheLength()
    {
        var pipe = new Pipe();

        TcpFraming.Write(pipe.Writer, new byte[300]);
        await pipe.Writer.FlushAsync(TestContext.Current.CancellationToken);
        ReadResult result = await pipe.Reader.ReadAsync(TestContext.Current.CancellationToken);

        Assert.Equal(302, result.Buffer.Length);
        Assert.Equal([1, 44], result.Buffer.Slice(0, 2).ToArray());
    }
}
