using System.Buffers.Binary;

namespace PipShield.Resolver.Wire;

/// <summary>
/// Reads a query in place: header, the one question, and the EDNS OPT record. Allocates nothing and
/// never throws on any input; every path is bounded by the packet length.
/// </summary>
public static class QueryParser
{
    private const int MaxNameLength = 255;

    /// <summary>Reads <paramref name="packet"/>; <paramref name="info"/> holds what could be read even on failure.</summary>
    public static QueryParseStatus Parse(ReadOnlySpan<byte> packet, out QueryInfo info)
    {
        info = default;
        if (packet.Length < DnsHeader.Size)
        {
            return QueryParseStatus.Drop;
        }

        ushort id = DnsHeader.Id(packet);
        ushort flags = DnsHeader.Flags(packet);
        info = new QueryInfo { Id = id, Flags = flags, UdpPayloadSize = 512 };
        if ((flags & DnsHeader.QrFlag) != 0)
        {
            return QueryParseStatus.Drop;
        }

        if (DnsHeader.QdCount(packet) != 1)
        {
            return DnsHeader.Opcode(flags) != 0 ? QueryParseStatus.NotImp : QueryParseStatus.FormErr;
        }

        // The question name: plain labels only; a compression pointer here could only point into the header.
        int position = DnsHeader.Size;
        while (true)
        {
            if (position >= packet.Length)
            {
                return QueryParseStatus.FormErr;
            }

            int length = packet[position];
            if (length == 0)
            {
                position++;
                break;
            }

            if (length > 63 || position + 1 + length - DnsHeader.Size >= MaxNameLength)
            {
                return QueryParseStatus.FormErr;
            }

            position += 1 + length;
        }

        if (position + 4 > packet.Length)
        {
            return QueryParseStatus.FormErr;
        }

        int qnameLength = position - DnsHeader.Size;
        ushort qtype = BinaryPrimitives.ReadUInt16BigEndian(packet[position..]);
        ushort qclass = BinaryPrimitives.ReadUInt16BigEndian(packet[(position + 2)..]);
        position += 4;
        info = info with { QNameLength = qnameLength, QType = qtype, QClass = qclass, QuestionEnd = position };
        if (DnsHeader.Opcode(flags) != 0)
        {
            return QueryParseStatus.NotImp;
        }

        // Answer and authority sections are unusual in a query but legal; an OPT there is not (RFC 6891 §6.1.1).
        // A misplaced or second OPT still shows the client speaks EDNS, so the FORMERR carries an OPT (§7).
        int records = DnsHeader.AnCount(packet) + DnsHeader.NsCount(packet);
        for (int i = 0; i < records; i++)
        {
            if (!TrySkipQueryRecord(packet, ref position, out ushort type, out _))
            {
                return QueryParseStatus.FormErr;
            }

            if (type == (ushort)DnsType.OPT)
            {
                info = info with { HasEdns = true };
                return QueryParseStatus.FormErr;
            }
        }

        bool sawOpt = false;
        int additional = DnsHeader.ArCount(packet);
        for (int i = 0; i < additional; i++)
        {
            int start = position;
            if (!TrySkipQueryRecord(packet, ref position, out ushort type, out int rdataStart))
            {
                return QueryParseStatus.FormErr;
            }

            if (type != (ushort)DnsType.OPT)
            {
                continue;
            }

            // One OPT, owned by the root name (RFC 6891 §6.1.1).
            if (sawOpt || packet[start] != 0)
            {
                info = info with { HasEdns = true };
                return QueryParseStatus.FormErr;
            }

            sawOpt = true;
            ushort payload = BinaryPrimitives.ReadUInt16BigEndian(packet[(start + 3)..]);
            byte version = packet[start + 6];
            ushort ednsFlags = BinaryPrimitives.ReadUInt16BigEndian(packet[(start + 7)..]);
            info = info with
            {
                HasEdns = true,
                UdpPayloadSize = Math.Max(payload, (ushort)512),
                EdnsVersion = version,
                DnssecOk = (ednsFlags & 0x8000) != 0,
            };

            // Options are defined for version 0 only; any other version gets BADVERS whatever they hold (§6.1.3).
            if (version == 0 && !EdnsOptions.AreWellFormed(packet[rdataStart..position]))
            {
                return QueryParseStatus.FormErr;
            }

            if (version == 0 && EdnsOptions.SignalsStructuredError(packet[rdataStart..position]))
            {
                info = info with { WantsStructuredError = true };
            }
        }

        if (position != packet.Length)
        {
            return QueryParseStatus.FormErr; // counts that lie, or trailing junk
        }

        return info.HasEdns && info.EdnsVersion != 0 ? QueryParseStatus.BadVers : QueryParseStatus.Ok;
    }

    /// <summary>
    /// Skips one record of a query and checks its owner name in full, following pointers as
    /// <see cref="DnsName.TryDecompress"/> does: nothing reads these names later, but a pointer that loops, points
    /// forward or into the header, or a chain too deep or too long, makes the query malformed.
    /// </summary>
    private static bool TrySkipQueryRecord(ReadOnlySpan<byte> packet, ref int position, out ushort type, out int rdataStart)
    {
        int owner = position;
        return TrySkipRecord(packet, ref position, out type, out rdataStart) && (packet[owner] == 0 || IsWellFormedName(packet, owner));
    }

    private static bool IsWellFormedName(ReadOnlySpan<byte> packet, int offset)
    {
        Span<byte> name = stackalloc byte[MaxNameLength];
        return DnsName.TryDecompress(packet, offset, name, out _);
    }

    /// <summary>Skips one resource record; its owner may be compressed (a pointer ends the name).</summary>
    internal static bool TrySkipRecord(ReadOnlySpan<byte> message, ref int position, out ushort type, out int rdataStart)
    {
        type = 0;
        rdataStart = 0;
        if (!TrySkipName(message, ref position) || position + 10 > message.Length)
        {
            return false;
        }

        type = BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
        int rdLength = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 8)..]);
        rdataStart = position + 10;
        if (rdataStart + rdLength > message.Length)
        {
            return false;
        }

        position = rdataStart + rdLength;
        return true;
    }

    /// <summary>Skips a possibly compressed name without following pointers.</summary>
    internal static bool TrySkipName(ReadOnlySpan<byte> message, ref int position)
    {
        int length = 0;
        while (position < message.Length)
        {
            byte b = message[position];
            if (b == 0)
            {
                position++;
                return true;
            }

            if ((b & 0xC0) == 0xC0)
            {
                if (position + 2 > message.Length)
                {
                    return false;
                }

                position += 2;
                return true;
            }

            if ((b & 0xC0) != 0)
            {
                return false; // RFC 6891 §5: extended label types are obsolete
            }

            length += b + 1;
            if (length >= MaxNameLength)
            {
                return false;
            }

            position += 1 + b;
        }

        return false;
    }
}
