using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace PipShield.Resolver.Listeners;

/// <summary>The two-byte length prefix that frames DNS messages on streams (RFC 1035 §4.2.2, RFC 7766 §8).</summary>
internal static class TcpFraming
{
    public const int PrefixSize = 2;

    /// <summary>Takes the next complete message off the front of <paramref name="buffer"/>.</summary>
    /// <returns>False when <paramref name="buffer"/> does not hold a whole message yet; it is left as it was.</returns>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message)
    {
        message = default;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadBigEndian(out short prefix))
        {
            return false;
        }

        int length = (ushort)prefix;
        if (reader.Remaining < length)
        {
            return false;
        }

        message = buffer.Slice(PrefixSize, length);
        buffer = buffer.Slice(message.End);
        return true;
    }

    /// <summary>Writes <paramref name="message"/> with its length prefix; the caller flushes.</summary>
    public static void Write(PipeWriter writer, ReadOnlySpan<byte> message)
    {
        Span<byte> destination = writer.GetSpan(PrefixSize + message.Length);
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)message.Length);
        message.CopyTo(destination[PrefixSize..]);
        writer.Advance(PrefixSize + message.Length);
    }
}
