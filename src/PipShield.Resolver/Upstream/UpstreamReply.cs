using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Upstream;

/// <summary>What a datagram from an upstream turned out to be.</summary>
internal enum ReplyCheck : byte
{
    /// <summary>The reply to our query, well formed.</summary>
    Accept = 0,

    /// <summary>Not a reply to our query (RFC 5452 §9.1): ignore it and keep waiting.</summary>
    Ignore = 1,

    /// <summary>Our reply, but not usable (malformed records, or a question-less error reply).</summary>
    Unusable = 2,
}

/// <summary>Matches replies to the query they answer (RFC 5452 §9.1: ID, question, source) and checks their structure.</summary>
internal static class UpstreamReply
{
    /// <summary>Checks <paramref name="reply"/> against our query.</summary>
    /// <param name="question">The question as sent: the uncompressed name, type and class.</param>
    public static ReplyCheck Check(ReadOnlySpan<byte> reply, ushort id, ReadOnlySpan<byte> question)
    {
        if (reply.Length < DnsHeader.Size || DnsHeader.Id(reply) != id)
        {
            return ReplyCheck.Ignore;
        }

        ushort flags = DnsHeader.Flags(reply);
        if ((flags & DnsHeader.QrFlag) == 0 || DnsHeader.Opcode(flags) != 0)
        {
            return ReplyCheck.Ignore;
        }

        ushort questions = DnsHeader.QdCount(reply);
        if (questions == 0)
        {
            // Some servers answer FORMERR/NOTIMP without the question; with our random ID and port it is ours
            // for all practical purposes, and waiting would only end in a timeout.
            return DnsHeader.Rcode(reply) != Rcode.NoError ? ReplyCheck.Unusable : ReplyCheck.Ignore;
        }

        // Label length bytes are below 'A', so a case-insensitive byte compare also compares structure.
        if (questions != 1 || reply.Length < DnsHeader.Size + question.Length
            || !DnsName.EqualsIgnoreCase(reply.Slice(DnsHeader.Size, question.Length - 4), question[..^4])
            || !reply.Slice(DnsHeader.Size + question.Length - 4, 4).SequenceEqual(question[^4..]))
        {
            return ReplyCheck.Ignore;
        }

        // Walk every record once, so later stages (response policy, cache) only ever see well-formed messages.
        var reader = new DnsRecordReader(reply);
        while (reader.TryReadNext(out _))
        {
        }

        return reader.IsMalformed ? ReplyCheck.Unusable : ReplyCheck.Accept;
    }

    /// <summary>Offset just past the question of a query we are about to send.</summary>
    /// <exception cref="ArgumentException">Not a query with exactly one uncompressed question.</exception>
    public static int QuestionEnd(ReadOnlySpan<byte> query)
    {
        if (query.Length >= DnsHeader.Size && DnsHeader.QdCount(query) == 1)
        {
            int position = DnsHeader.Size;
            while (position < query.Length && position - DnsHeader.Size < 255)
            {
                byte length = query[position];
                if (length == 0)
                {
                    return position + 5 <= query.Length ? position + 5 : Invalid();
                }

                if (length > 63)
                {
                    break; // a compression pointer or a reserved label type
                }

                position += 1 + length;
            }
        }

        return Invalid();
    }

    private static int Invalid() =>
        throw new ArgumentException("The upstream query must hold exactly one question with an uncompressed name.", "query");
}
