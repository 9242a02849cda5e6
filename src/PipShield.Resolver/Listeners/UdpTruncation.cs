using System.Buffers.Binary;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Listeners;

/// <summary>
/// Cuts a response that is too large for the client's UDP payload size down to the header, the question and the
/// OPT record, with TC=1, so the client retries over TCP (RFC 1035 §4.2.1, RFC 6891 §7). In place; allocates nothing.
/// </summary>
internal static class UdpTruncation
{
    /// <summary>
    /// Truncates <paramref name="message"/><c>[..length]</c> when it is longer than <paramref name="limit"/>.
    /// </summary>
    /// <returns>The length to send: <paramref name="length"/> when it fits, else the truncated length.</returns>
    public static int Apply(Span<byte> message, int length, int limit)
    {
        if (length <= limit || length < DnsHeader.Size)
        {
            return length;
        }

        var reader = new DnsRecordReader(message[..length]);
        if (reader.IsMalformed)
        {
            // Not even the question reads: the header alone still tells the client to retry over TCP.
            SetHeader(message, questions: 0, additional: 0);
            return DnsHeader.Size;
        }

        int newLength = reader.QuestionEnd;
        ushort additional = 0;
        while (reader.TryReadNext(out DnsRecordInfo record))
        {
            if (record.Type != (ushort)DnsType.OPT || record.Section != DnsSection.Additional)
            {
                continue;
            }

            // RFC 6891 §7: keep the OPT, so the client still learns our payload size and any extended rcode or EDE.
            int start = record.NameOffset;
            int end = record.RDataOffset + record.RDataLength;
            if (newLength + (end - start) <= limit)
            {
                message[start..end].CopyTo(message[newLength..]); // start >= newLength: a backward move is safe
                newLength += end - start;
                additional = 1;
            }

            break;
        }

        SetHeader(message, DnsHeader.QdCount(message), additional);
        return newLength;
    }

    private static void SetHeader(Span<byte> message, ushort questions, ushort additional)
    {
        ushort flags = (ushort)(DnsHeader.Flags(message) | DnsHeader.TcFlag);
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(message[4..], questions);
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(message[8..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(message[10..], additional);
    }
}
