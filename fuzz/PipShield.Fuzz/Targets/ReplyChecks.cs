using PipShield.Resolver.Wire;

namespace PipShield.Fuzz.Targets;

/// <summary>What every reply PipShield sends must satisfy, checked by the <c>query</c> and <c>answer</c> targets.</summary>
internal static class ReplyChecks
{
    /// <summary>
    /// A reply to <paramref name="query"/> must read back: the client's ID and QR, the rcode when one is
    /// expected, the question as the client spelled it, counts that match the records, and an OPT exactly
    /// when the client sent one (or for BADVERS). An empty reply (it did not fit) passes.
    /// </summary>
    /// <param name="namesDecompress">Every owner name must decompress: true for replies PipShield wrote itself,
    /// not for upstream answers passed on, whose compression pointers are the upstream's.</param>
    public static void Check(ReadOnlySpan<byte> query, in QueryInfo info, Rcode? rcode, ReadOnlySpan<byte> response, bool namesDecompress = true)
    {
        if (response.IsEmpty)
        {
            return;
        }

        FuzzFindingException.Check(response.Length >= DnsHeader.Size, "a reply has a whole header");
        ushort flags = DnsHeader.Flags(response);
        FuzzFindingException.Check(DnsHeader.Id(response) == info.Id && (flags & DnsHeader.QrFlag) != 0, "a reply carries the client's ID and sets QR");
        FuzzFindingException.Check(rcode is null || (flags & 0xF) == ((int)rcode & 0xF), "a reply carries the rcode it was asked for");

        var reader = new DnsRecordReader(response);
        Span<byte> name = stackalloc byte[256];
        if (info.HasQuestion)
        {
            FuzzFindingException.Check(DnsHeader.QdCount(response) == 1 && reader.QuestionEnd == info.QuestionEnd
                && response[DnsHeader.Size..info.QuestionEnd].SequenceEqual(info.Question(query)), "a reply echoes the question as the client sent it");
        }

        int records = 0;
        bool sawOpt = false;
        while (reader.TryReadNext(out DnsRecordInfo record))
        {
            records++;
            FuzzFindingException.Check(!namesDecompress || DnsName.TryDecompress(response, record.NameOffset, name, out _),
                "every owner name in a reply PipShield wrote decompresses");
            sawOpt |= record.Type == (ushort)DnsType.OPT;
        }

        FuzzFindingException.Check(!reader.IsMalformed, "a reply reads back without running out of bytes");
        FuzzFindingException.Check(records == DnsHeader.AnCount(response) + DnsHeader.NsCount(response) + DnsHeader.ArCount(response),
            "a reply's counts match its records");
        FuzzFindingException.Check(sawOpt == (info.HasEdns || rcode == Rcode.BadVers), "a reply has an OPT exactly when the query had one, or for BADVERS");
    }
}
