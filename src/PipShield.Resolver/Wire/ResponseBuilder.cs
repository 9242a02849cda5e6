using System.Buffers.Binary;

namespace PipShield.Resolver.Wire;

/// <summary>
/// Writes the responses PipShield makes up itself: errors, the answers for blocked names, and the RFC 8482
/// answer to ANY. Each reply echoes the ID, the RD and CD bits and the question, sets QR and RA, and carries an
/// OPT when the client sent one. Allocates nothing.
/// </summary>
public static class ResponseBuilder
{
    private static ReadOnlySpan<byte> SoaMName => "\u0002ns\u0009pipshield\u0007invalid\u0000"u8;

    private static ReadOnlySpan<byte> SoaRName => "\u0006nobody\u0009pipshield\u0007invalid\u0000"u8;

    /// <summary>
    /// An error reply. Without a readable question the reply has the header only.
    /// </summary>
    /// <returns>Bytes written, or 0 when <paramref name="destination"/> is too small.</returns>
    public static int WriteError(ReadOnlySpan<byte> query, in QueryInfo info, Rcode rcode, Span<byte> destination,
        EdeCode? ede = null, ReadOnlySpan<byte> extraText = default)
    {
        var writer = new DnsMessageWriter(destination);
        if (!WriteStart(ref writer, query, info, rcode, aa: false))
        {
            return 0;
        }

        return FinishWithOpt(ref writer, info, rcode, ede, extraText, answers: 0, authority: 0);
    }

    /// <summary>
    /// The reply for a blocked name, per <paramref name="answer"/>: sinkhole addresses, NXDOMAIN or NODATA
    /// with an SOA for negative caching (RFC 2308 §3), or REFUSED.
    /// </summary>
    /// <returns>Bytes written, or 0 when <paramref name="destination"/> is too small.</returns>
    public static int WriteBlocked(ReadOnlySpan<byte> query, in QueryInfo info, in BlockAnswer answer, Span<byte> destination)
    {
        Rcode rcode = answer.Kind switch
        {
            BlockAnswerKind.NxDomain => Rcode.NxDomain,
            BlockAnswerKind.Refused => Rcode.Refused,
            _ => Rcode.NoError,
        };

        var writer = new DnsMessageWriter(destination);
        if (!WriteStart(ref writer, query, info, rcode, aa: true))
        {
            return 0;
        }

        ushort answers = 0;
        if (answer.Kind == BlockAnswerKind.Sinkhole && info.QClass == 1)
        {
            ReadOnlySpan<byte> address = info.QType switch
            {
                (ushort)DnsType.A => answer.SinkholeV4,
                (ushort)DnsType.AAAA => answer.SinkholeV6,
                _ => default,
            };
            if (!address.IsEmpty)
            {
                if (!writer.TryWriteRecordHeader(DnsMessageWriter.QNamePointer, (DnsType)info.QType, 1, answer.Ttl, address.Length)
                    || !writer.TryWriteBytes(address))
                {
                    return 0;
                }

                answers = 1;
            }
        }

        ushort authority = 0;
        if (answers == 0 && answer.Kind != BlockAnswerKind.Refused)
        {
            // The SOA is owned by the listed name, a pointer into the question, so resolvers cache the
            // negative answer for the block TTL (RFC 2308 §5: the SOA MINIMUM and TTL bound it).
            ushort owner = (ushort)(DnsMessageWriter.QNamePointer + answer.RuleNameOffset);
            if (!TryWriteSoa(ref writer, owner, answer.Ttl))
            {
                return 0;
            }

            authority = 1;
        }

        return FinishWithOpt(ref writer, info, rcode, answer.Ede, answer.ExtraText, answers, authority);
    }

    /// <summary>
    /// The answer to a query of type ANY (RFC 8482 §4.2): one synthesized HINFO record at the query name, CPU
    /// "RFC8482" and an empty OS, with <paramref name="ttl"/>.
    /// </summary>
    /// <returns>Bytes written, or 0 when <paramref name="destination"/> is too small.</returns>
    public static int WriteMinimalAny(ReadOnlySpan<byte> query, in QueryInfo info, uint ttl, Span<byte> destination)
    {
        ReadOnlySpan<byte> hinfo = "\u0007RFC8482\u0000"u8; // two character-strings: CPU, then an empty OS
        var writer = new DnsMessageWriter(destination);
        if (!info.HasQuestion || !WriteStart(ref writer, query, info, Rcode.NoError, aa: false)
            || !writer.TryWriteRecordHeader(DnsMessageWriter.QNamePointer, DnsType.HINFO, info.QClass, ttl, hinfo.Length)
            || !writer.TryWriteBytes(hinfo))
        {
            return 0;
        }

        return FinishWithOpt(ref writer, info, Rcode.NoError, null, default, answers: 1, authority: 0);
    }

    private static bool WriteStart(ref DnsMessageWriter writer, ReadOnlySpan<byte> query, in QueryInfo info, Rcode rcode, bool aa)
    {
        ushort flags = (ushort)(DnsHeader.QrFlag | DnsHeader.RaFlag | (info.Flags & (DnsHeader.RdFlag | DnsHeader.CdFlag | 0x7800))
            | (aa ? DnsHeader.AaFlag : 0) | ((ushort)rcode & 0xF));
        bool question = info.HasQuestion;
        return writer.TryWriteHeader(info.Id, flags, question ? (ushort)1 : (ushort)0, 0, 0, 0)
            && (!question || writer.TryWriteBytes(info.Question(query)));
    }

    private static int FinishWithOpt(ref DnsMessageWriter writer, in QueryInfo info, Rcode rcode, EdeCode? ede,
        ReadOnlySpan<byte> extraText, ushort answers, ushort authority)
    {
        ushort additional = 0;
        if (info.HasEdns || rcode == Rcode.BadVers)
        {
            // RFC 6891 §6.1.3: the upper 8 bits of a 12-bit rcode go in the OPT's extended-rcode field.
            byte extended = (byte)((ushort)rcode >> 4);
            if (!writer.TryWriteOpt(1232, info.DnssecOk, extended, ede, extraText))
            {
                return 0;
            }

            additional = 1;
        }

        writer.SetCounts(answers, authority, additional);
        return writer.Length;
    }

    private static bool TryWriteSoa(ref DnsMessageWriter writer, ushort owner, uint ttl)
    {
        int rdLength = SoaMName.Length + SoaRName.Length + 20;
        if (!writer.TryWriteRecordHeader(owner, DnsType.SOA, 1, ttl, rdLength)
            || !writer.TryWriteBytes(SoaMName) || !writer.TryWriteBytes(SoaRName))
        {
            return false;
        }

        Span<byte> numbers = stackalloc byte[20];
        BinaryPrimitives.WriteUInt32BigEndian(numbers, 1);          // serial
        BinaryPrimitives.WriteUInt32BigEndian(numbers[4..], 3600);  // refresh
        BinaryPrimitives.WriteUInt32BigEndian(numbers[8..], 600);   // retry
        BinaryPrimitives.WriteUInt32BigEndian(numbers[12..], 86400); // expire
        BinaryPrimitives.WriteUInt32BigEndian(numbers[16..], ttl);  // minimum: the negative-caching TTL
        return writer.TryWriteBytes(numbers);
    }
}
