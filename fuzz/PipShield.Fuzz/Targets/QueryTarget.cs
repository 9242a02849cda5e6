using PipShield.Resolver.Wire;

namespace PipShield.Fuzz.Targets;

/// <summary>
/// The <c>query</c> target: the bytes are one UDP payload from a client. It is parsed with
/// <see cref="QueryParser"/>, every reply PipShield makes up itself (errors and each kind of block answer) is
/// written for what was parsed and read back, and <see cref="DnsRecordReader"/> and <see cref="DnsName"/> walk
/// the message itself as they would an upstream's answer.
/// </summary>
/// <remarks>Nothing here may throw; a reply that cannot be read back is a <see cref="FuzzFindingException"/>.</remarks>
internal static class QueryTarget
{
    public const string Name = "query";

    private static readonly Rcode[] ErrorRcodes = [Rcode.FormErr, Rcode.ServFail, Rcode.NotImp, Rcode.Refused, Rcode.BadVers];

    private static readonly BlockAnswerKind[] BlockKinds =
        [BlockAnswerKind.Sinkhole, BlockAnswerKind.NxDomain, BlockAnswerKind.NoData, BlockAnswerKind.Refused];

    private static ReadOnlySpan<byte> SinkholeV4 => [192, 0, 2, 1];

    private static ReadOnlySpan<byte> SinkholeV6 => [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

    private static ReadOnlySpan<byte> ExtraText => "phishing; sample-phishing.domains.txt"u8;

    public static void Run(ReadOnlySpan<byte> packet)
    {
        QueryParseStatus status = QueryParser.Parse(packet, out QueryInfo info);
        CheckInfo(packet, status, info);

        Span<byte> response = stackalloc byte[4096];
        foreach (Rcode rcode in ErrorRcodes)
        {
            int written = ResponseBuilder.WriteError(packet, info, rcode, response, EdeCode.Other, ExtraText);
            CheckResponse(packet, info, rcode, response[..written]);
        }

        // A destination cut short by the input's own length: the builder writes a whole reply or nothing.
        Span<byte> small = response[..Math.Min(packet.Length, 600)];
        CheckResponse(packet, info, Rcode.FormErr, small[..ResponseBuilder.WriteError(packet, info, Rcode.FormErr, small)]);

        if (status == QueryParseStatus.Ok)
        {
            WriteBlockedAnswers(packet, info, response);
        }

        WalkRecords(packet);
    }

    private static void CheckInfo(ReadOnlySpan<byte> packet, QueryParseStatus status, in QueryInfo info)
    {
        if (status is QueryParseStatus.Ok or QueryParseStatus.BadVers)
        {
            FuzzFindingException.Check(info.HasQuestion, "an accepted query has a question");
        }

        if (info.HasQuestion)
        {
            FuzzFindingException.Check(info.QNameLength is >= 1 and <= 255, "the question name is 1 to 255 octets");
            FuzzFindingException.Check(info.QuestionEnd == DnsHeader.Size + info.QNameLength + 4 && info.QuestionEnd <= packet.Length,
                "the question lies inside the packet");
            FuzzFindingException.Check(info.QName(packet)[^1] == 0, "the question name ends in the root label");
        }

        if (status == QueryParseStatus.Ok)
        {
            FuzzFindingException.Check(info.UdpPayloadSize >= 512, "the UDP payload size is at least 512");
        }
    }

    private static void WriteBlockedAnswers(ReadOnlySpan<byte> packet, in QueryInfo info, Span<byte> response)
    {
        // The listed name starts at a label of the question name: the whole name, a parent, or the TLD.
        ReadOnlySpan<byte> qname = info.QName(packet);
        Span<int> starts = stackalloc int[3];
        int count = 0;
        int last = 0;
        for (int position = 0; qname[position] != 0; position += 1 + qname[position])
        {
            if (count < 2)
            {
                starts[count++] = position;
            }

            last = position;
        }

        starts[count++] = last;
        foreach (BlockAnswerKind kind in BlockKinds)
        {
            for (int i = 0; i < count; i++)
            {
                var answer = new BlockAnswer
                {
                    Kind = kind,
                    Ttl = 300,
                    SinkholeV4 = SinkholeV4,
                    SinkholeV6 = SinkholeV6,
                    RuleNameOffset = starts[i],
                    Ede = EdeCode.Blocked,
                    ExtraText = ExtraText,
                };
                int written = ResponseBuilder.WriteBlocked(packet, info, answer, response);
                Rcode rcode = kind switch
                {
                    BlockAnswerKind.NxDomain => Rcode.NxDomain,
                    BlockAnswerKind.Refused => Rcode.Refused,
                    _ => Rcode.NoError,
                };
                FuzzFindingException.Check(written > 0, "a blocked answer fits in 4096 bytes");
                CheckResponse(packet, info, rcode, response[..written]);
            }
        }
    }

    /// <summary>A reply PipShield wrote must read back: header, question, every record, names that decompress.</summary>
    private static void CheckResponse(ReadOnlySpan<byte> query, in QueryInfo info, Rcode rcode, ReadOnlySpan<byte> response)
    {
        if (response.IsEmpty)
        {
            return; // did not fit; the caller then sends nothing or truncates
        }

        FuzzFindingException.Check(response.Length >= DnsHeader.Size, "a reply has a whole header");
        ushort flags = DnsHeader.Flags(response);
        FuzzFindingException.Check(DnsHeader.Id(response) == info.Id && (flags & DnsHeader.QrFlag) != 0, "a reply echoes the ID and sets QR");
        FuzzFindingException.Check((flags & 0xF) == ((int)rcode & 0xF), "a reply carries the rcode it was asked for");

        var reader = new DnsRecordReader(response);
        Span<byte> name = stackalloc byte[256];
        if (info.HasQuestion)
        {
            FuzzFindingException.Check(DnsHeader.QdCount(response) == 1 && reader.QuestionEnd == info.QuestionEnd,
                "a reply echoes the question as sent");
            FuzzFindingException.Check(DnsName.TryDecompress(response, DnsHeader.Size, name, out int length)
                && DnsName.EqualsIgnoreCase(name[..length], info.QName(query)), "the echoed question name reads back");
        }

        int records = 0;
        bool sawOpt = false;
        while (reader.TryReadNext(out DnsRecordInfo record))
        {
            records++;
            FuzzFindingException.Check(DnsName.TryDecompress(response, record.NameOffset, name, out _), "every owner name in a reply decompresses");
            sawOpt |= record.Type == (ushort)DnsType.OPT;
        }

        FuzzFindingException.Check(!reader.IsMalformed, "a reply reads back without running out of bytes");
        FuzzFindingException.Check(records == DnsHeader.AnCount(response) + DnsHeader.NsCount(response) + DnsHeader.ArCount(response),
            "a reply's counts match its records");
        FuzzFindingException.Check(sawOpt == (info.HasEdns || rcode == Rcode.BadVers), "a reply has an OPT exactly when the query had one, or for BADVERS");
    }

    /// <summary>Reads the message as the upstream and cache stages read an answer.</summary>
    private static void WalkRecords(ReadOnlySpan<byte> message)
    {
        var reader = new DnsRecordReader(message);
        Span<byte> name = stackalloc byte[256];
        Span<byte> other = stackalloc byte[256];
        int firstLength = 0;
        bool haveFirst = !reader.IsMalformed && DnsHeader.QdCount(message) > 0 && DnsName.TryDecompress(message, DnsHeader.Size, other, out firstLength);
        while (reader.TryReadNext(out DnsRecordInfo record))
        {
            FuzzFindingException.Check(record.RDataOffset + record.RDataLength <= message.Length && record.TtlOffset + 4 <= record.RDataOffset,
                "a record lies inside the message");
            if (DnsName.TryDecompress(message, record.NameOffset, name, out int length))
            {
                FuzzFindingException.Check(length is >= 1 and <= 255 && name[length - 1] == 0, "a decompressed name ends in the root label");
                if (haveFirst)
                {
                    DnsName.EqualsIgnoreCase(name[..length], other[..firstLength]);
                }
            }

            switch ((DnsType)record.Type)
            {
                case DnsType.CNAME or DnsType.NS or DnsType.PTR:
                    DnsName.TryDecompress(message, record.RDataOffset, name, out _);
                    break;
                case DnsType.OPT:
                    EdnsOptions.AreWellFormed(message.Slice(record.RDataOffset, record.RDataLength));
                    break;
            }
        }
    }
}
