using System.Buffers.Binary;
using System.Text;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Fakes;

/// <summary>A query as the fake read it: independent of the resolver's codec, so the two check each other.</summary>
internal sealed record FakeQuery(ushort Id, ushort Flags, byte[] Question, string QName, ushort QType, ushort QClass,
    bool HasOpt, ushort OptPayload, bool DnssecOk, byte[] OptOptions);

/// <summary>The fake's own small DNS reader and writer (RFC 1035 §4), with name compression in replies.</summary>
internal static class FakeWire
{
    public static FakeQuery? TryParseQuery(ReadOnlySpan<byte> message)
    {
        if (message.Length < 12 || BinaryPrimitives.ReadUInt16BigEndian(message[4..]) != 1 || (message[2] & 0x80) != 0)
        {
            return null;
        }

        int position = 12;
        var labels = new List<string>();
        while (true)
        {
            if (position >= message.Length || message[position] > 63)
            {
                return null;
            }

            int length = message[position++];
            if (length == 0)
            {
                break;
            }

            if (position + length > message.Length)
            {
                return null;
            }

            labels.Add(Encoding.ASCII.GetString(message.Slice(position, length)));
            position += length;
        }

        if (position + 4 > message.Length)
        {
            return null;
        }

        ushort qtype = BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
        ushort qclass = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 2)..]);
        byte[] question = message[12..(position + 4)].ToArray();
        position += 4;

        bool hasOpt = false;
        bool dnssecOk = false;
        ushort payload = 0;
        byte[] options = [];
        int records = BinaryPrimitives.ReadUInt16BigEndian(message[6..]) + BinaryPrimitives.ReadUInt16BigEndian(message[8..])
            + BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        for (int i = 0; i < records; i++)
        {
            if (!SkipName(message, ref position) || position + 10 > message.Length)
            {
                return null;
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
            int rdLength = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 8)..]);
            if (position + 10 + rdLength > message.Length)
            {
                return null;
            }

            if (type == (ushort)DnsType.OPT)
            {
                hasOpt = true;
                payload = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 2)..]);
                dnssecOk = (message[position + 6] & 0x80) != 0;
                options = message.Slice(position + 10, rdLength).ToArray();
            }

            position += 10 + rdLength;
        }

        return new FakeQuery(BinaryPrimitives.ReadUInt16BigEndian(message), BinaryPrimitives.ReadUInt16BigEndian(message[2..]),
            question, string.Join('.', labels).ToLowerInvariant(), qtype, qclass, hasOpt, payload, dnssecOk, options);
    }

    /// <summary>Builds the reply to <paramref name="query"/> from <paramref name="behavior"/>'s records.</summary>
    /// <param name="truncated">TC=1 and no records (the UDP reply in truncation mode).</param>
    /// <param name="id">The ID to send; the query's by default.</param>
    /// <param name="questionName">A question to send instead of the query's.</param>
    public static byte[] BuildReply(FakeQuery query, FakeUpstreamBuilder.FakeBehavior behavior, bool truncated = false,
        ushort? id = null, string? questionName = null)
    {
        List<FakeRecord> answers = truncated ? [] : Resolve(query, behavior.Records);
        Rcode rcode = behavior.Rcode ?? (answers.Count == 0 && behavior.Records.Length > 0
            && !behavior.Records.Any(r => r.Owner == query.QName) ? Rcode.NxDomain : Rcode.NoError);
        FakeRecord[] authority = truncated ? [] : behavior.Authority;
        FakeRecord[] additional = truncated ? [] : behavior.Additional;
        if (!truncated)
        {
            answers.AddRange(behavior.ExtraAnswers);
        }
        bool opt = query.HasOpt && behavior.Edns;

        var writer = new Writer();
        ushort flags = (ushort)(0x8000 | (query.Flags & 0x7910) | 0x0080 | (truncated ? 0x0200 : 0) | ((int)rcode & 0xF));
        writer.U16(id ?? query.Id);
        writer.U16(flags);
        writer.U16(1);
        writer.U16((ushort)answers.Count);
        writer.U16((ushort)authority.Length);
        writer.U16((ushort)(additional.Length + (opt ? 1 : 0)));
        if (questionName is null)
        {
            writer.Question(query.Question, query.QName);
        }
        else
        {
            writer.Name(FakeRecord.Normalize(questionName));
            writer.U16(query.QType);
            writer.U16(query.QClass);
        }

        foreach (FakeRecord record in answers.Concat(authority).Concat(additional))
        {
            writer.Name(record.Owner);
            writer.U16(record.Type);
            writer.U16(1);
            writer.U32((uint)record.Ttl);
            int lengthAt = writer.Reserve(2);
            if (record.TargetName is not null)
            {
                writer.Name(record.TargetName);
            }
            else
            {
                writer.Bytes(record.RData);
            }

            writer.PatchLength(lengthAt);
        }

        if (opt)
        {
            writer.Bytes([0]);
            writer.U16((ushort)DnsType.OPT);
            writer.U16(1232);
            writer.U16(0);
            writer.U16(query.DnssecOk ? (ushort)0x8000 : (ushort)0);
            writer.U16(0);
        }

        return writer.ToArray();
    }

    /// <summary>Records for the question: exact owner and type, following CNAMEs (at most 8 links).</summary>
    private static List<FakeRecord> Resolve(FakeQuery query, FakeRecord[] records)
    {
        var answers = new List<FakeRecord>();
        string name = query.QName;
        for (int link = 0; link < 8; link++)
        {
            var matches = records.Where(r => r.Owner == name && (r.Type == query.QType || query.QType == (ushort)DnsType.ANY)).ToList();
            if (matches.Count > 0)
            {
                answers.AddRange(matches);
                break;
            }

            FakeRecord? cname = records.FirstOrDefault(r => r.Owner == name && r.Type == (ushort)DnsType.CNAME);
            if (cname is null)
            {
                break;
            }

            answers.Add(cname);
            name = cname.TargetName!;
        }

        return answers;
    }

    private static bool SkipName(ReadOnlySpan<byte> message, ref int position)
    {
        for (int labels = 0; position < message.Length && labels < 128; labels++)
        {
            byte b = message[position];
            if (b == 0)
            {
                position++;
                return true;
            }

            if ((b & 0xC0) == 0xC0)
            {
                position += 2;
                return position <= message.Length;
            }

            position += 1 + b;
        }

        return false;
    }

    /// <summary>A growing message with RFC 1035 §4.1.4 compression of repeated name suffixes.</summary>
    private sealed class Writer
    {
        private readonly List<byte> _bytes = [];
        private readonly Dictionary<string, int> _names = [];

        public void U16(ushort value)
        {
            _bytes.Add((byte)(value >> 8));
            _bytes.Add((byte)value);
        }

        public void U32(uint value)
        {
            U16((ushort)(value >> 16));
            U16((ushort)value);
        }

        public void Bytes(byte[] bytes) => _bytes.AddRange(bytes);

        public int Reserve(int count)
        {
            int at = _bytes.Count;
            for (int i = 0; i < count; i++)
            {
                _bytes.Add(0);
            }

            return at;
        }

        public void PatchLength(int at)
        {
            int length = _bytes.Count - at - 2;
            _bytes[at] = (byte)(length >> 8);
            _bytes[at + 1] = (byte)length;
        }

        /// <summary>The question as the client sent it (case kept); its suffixes become compression targets.</summary>
        public void Question(byte[] question, string lowerName)
        {
            int start = _bytes.Count;
            _bytes.AddRange(question);
            string[] labels = lowerName.Length == 0 ? [] : lowerName.Split('.');
            int offset = start;
            for (int i = 0; i < labels.Length; i++)
            {
                _names.TryAdd(string.Join('.', labels[i..]), offset);
                offset += 1 + labels[i].Length;
            }
        }

        public void Name(string lowerName)
        {
            string[] labels = lowerName.Length == 0 ? [] : lowerName.Split('.');
            for (int i = 0; i < labels.Length; i++)
            {
                string suffix = string.Join('.', labels[i..]);
                if (_names.TryGetValue(suffix, out int pointer))
                {
                    U16((ushort)(0xC000 | pointer));
                    return;
                }

                if (_bytes.Count < 0x3FFF)
                {
                    _names[suffix] = _bytes.Count;
                }

                byte[] label = Encoding.ASCII.GetBytes(labels[i]);
                _bytes.Add((byte)label.Length);
                _bytes.AddRange(label);
            }

            _bytes.Add(0);
        }

        public byte[] ToArray() => [.. _bytes];
    }
}
