using System.Buffers.Binary;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Upstream;

internal static partial class ReplyScrubber
{
    /// <summary>
    /// Writes the header, the question and the kept records of <paramref name="message"/> to
    /// <paramref name="destination"/>. Removing records moves the ones after them, which breaks compression
    /// pointers into or past the gap, so every name is written out in full: owners with a pointer into the
    /// question for the longest suffix they share with it, names inside RDATA uncompressed (RFC 3597 §4 lists
    /// the types whose RDATA may hold compressed names; other RDATA is copied as it is).
    /// </summary>
    /// <returns>Bytes written, or 0 when the message is malformed or the rewrite does not fit.</returns>
    private static int Rewrite(ReadOnlySpan<byte> message, ReadOnlySpan<byte> keep, Span<byte> destination)
    {
        var reader = new DnsRecordReader(message);
        int questionEnd = reader.QuestionEnd;
        if (reader.IsMalformed || destination.Length < questionEnd)
        {
            return 0;
        }

        message[..questionEnd].CopyTo(destination);
        ReadOnlySpan<byte> qname = message[DnsHeader.Size..(questionEnd - 4)];
        Span<byte> name = stackalloc byte[NameList.SlotSize];
        Span<int> counts = stackalloc int[3];
        int position = questionEnd;
        int index = 0;
        while (reader.TryReadNext(out DnsRecordInfo record))
        {
            if (keep[index++] == 0)
            {
                continue;
            }

            int length = ReadName(message, record.NameOffset, name);
            if (length < 0 || !TryWriteOwner(name[..length], qname, destination, ref position)
                || !TryCopy(message.Slice(record.RDataOffset - 10, 8), destination, ref position)) // type, class, TTL
            {
                return 0;
            }

            int lengthAt = position;
            position += 2;
            if (position > destination.Length || !TryWriteRData(message, record, destination, ref position, name))
            {
                return 0;
            }

            int rdLength = position - lengthAt - 2;
            if (rdLength > ushort.MaxValue)
            {
                return 0;
            }

            BinaryPrimitives.WriteUInt16BigEndian(destination[lengthAt..], (ushort)rdLength);
            counts[(int)record.Section - 1]++;
        }

        if (reader.IsMalformed)
        {
            return 0;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)counts[0]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], (ushort)counts[1]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], (ushort)counts[2]);
        return position;
    }

    /// <summary>An owner name, ending in a pointer to the question for the longest suffix (whole labels) they share.</summary>
    private static bool TryWriteOwner(ReadOnlySpan<byte> name, ReadOnlySpan<byte> qname, Span<byte> destination, ref int position)
    {
        // Stop before the root label: a pointer to it would be longer than the byte itself.
        for (int start = 0; start < name.Length - 1; start += 1 + name[start])
        {
            int inQuestion = qname.Length - (name.Length - start);
            if (inQuestion >= 0 && IsLabelStart(qname, inQuestion) && DnsName.EqualsIgnoreCase(name[start..], qname[inQuestion..]))
            {
                if (!TryCopy(name[..start], destination, ref position) || position + 2 > destination.Length)
                {
                    return false;
                }

                // RFC 1035 §4.1.4: a pointer's two high bits are 11; the question name starts at offset 12.
                BinaryPrimitives.WriteUInt16BigEndian(destination[position..], (ushort)(0xC000 | (DnsHeader.Size + inQuestion)));
                position += 2;
                return true;
            }
        }

        return TryCopy(name, destination, ref position);
    }

    private static bool TryWriteRData(ReadOnlySpan<byte> message, in DnsRecordInfo record, Span<byte> destination, ref int position,
        Span<byte> name)
    {
        int start = record.RDataOffset;
        int end = start + record.RDataLength;
        (int fixedPrefix, int names) = NameLayout(record.Type);
        if (names == 0 || fixedPrefix > record.RDataLength)
        {
            return names == 0 && TryCopy(message[start..end], destination, ref position);
        }

        if (!TryCopy(message.Slice(start, fixedPrefix), destination, ref position))
        {
            return false;
        }

        int at = start + fixedPrefix;
        for (int i = 0; i < names; i++)
        {
            int length = ReadName(message, at, name);
            if (length < 0 || !QueryParser.TrySkipName(message, ref at) || at > end || !TryCopy(name[..length], destination, ref position))
            {
                return false;
            }
        }

        return TryCopy(message[at..end], destination, ref position);
    }

    /// <summary>Fixed bytes before the names, and how many names, for the RDATA that may hold compressed names.</summary>
    private static (int FixedPrefix, int Names) NameLayout(ushort type) => type switch
    {
        2 or 3 or 4 or 5 or 7 or 8 or 9 or 12 or Dname => (0, 1), // NS, MD, MF, CNAME, MB, MG, MR, PTR, DNAME
        15 or 18 or 21 or 36 => (2, 1),                           // MX, AFSDB, RT, KX: a 16-bit preference first
        33 => (6, 1),                                             // SRV: priority, weight, port
        6 or 14 or 17 => (0, 2),                                  // SOA (then 20 bytes of numbers), MINFO, RP
        26 => (2, 2),                                             // PX
        _ => (0, 0),
    };

    private static bool TryCopy(ReadOnlySpan<byte> bytes, Span<byte> destination, ref int position)
    {
        if (destination.Length - position < bytes.Length)
        {
            return false;
        }

        bytes.CopyTo(destination[position..]);
        position += bytes.Length;
        return true;
    }
}
