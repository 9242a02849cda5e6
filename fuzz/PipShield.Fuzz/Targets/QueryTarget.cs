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
            ReplyChecks.Check(packet, info, rcode, response[..written]);
        }

        // A destination cut short by the input's own length: the builder writes a whole reply or nothing.
        Span<byte> small = response[..Math.Min(packet.Length, 600)];
        ReplyChecks.Check(packet, info, Rcode.FormErr, small[..ResponseBuilder.WriteError(packet, info, Rcode.FormErr, small)]);

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

            // The record reader must agree with the parser about a query the parser accepted.
            var reader = new DnsRecordReader(packet);
            int records = 0;
            while (reader.TryReadNext(out _))
            {
                records++;
            }

            FuzzFindingException.Check(!reader.IsMalformed && reader.QuestionEnd == info.QuestionEnd
                && records == DnsHeader.AnCount(packet) + DnsHeader.NsCount(packet) + DnsHeader.ArCount(packet),
                "the record reader reads every record of an accepted query");
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
                ReplyChecks.Check(packet, info, rcode, response[..written]);
            }
        }
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
