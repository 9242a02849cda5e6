using System.Buffers;
using System.Buffers.Binary;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Upstream;

/// <summary>
/// Removes the records of an upstream reply that do not belong to the answer to its question, before the reply
/// is relayed or cached, as Unbound's scrubber does (iter_scrub.c). An injected record (an A for another name
/// in the additional section, an answer for a name nobody asked about) then never reaches a client's cache or
/// ours. What stays:
/// <list type="bullet">
/// <item>Answer: the CNAME chain from the question name (each link owned by the previous target, at most
/// <see cref="MaxChainLength"/> links), records of the question type at its end, DNAMEs above a chain name, and
/// RRSIGs of those.</item>
/// <item>Authority: SOA and NS records owned by a chain name or one of its ancestors (those owners are the
/// zones), and NSEC, NSEC3, DS and RRSIG records within those zones (or within a zone that signed the answer).</item>
/// <item>Additional: the OPT; addresses (and their RRSIGs) of a chain name, or of an NS, MX or SRV target that
/// lies within a zone or under a chain name (in-bailiwick glue).</item>
/// </list>
/// Every kept record has the question's class. Pure functions over caller-owned bytes; allocates nothing.
/// </summary>
internal static partial class ReplyScrubber
{
    /// <summary>CNAME links followed from the question name (Unbound follows 11; BIND 16).</summary>
    public const int MaxChainLength = 16;

    private const int ChainSlots = MaxChainLength + 1;
    private const int ZoneSlots = 16;
    private const int ReferenceSlots = 32;
    private const int NameStorage = (ChainSlots + ZoneSlots + ReferenceSlots) * NameList.SlotSize;

    private const ushort Dname = 39;
    private const ushort Ds = 43;
    private const ushort Rrsig = 46;
    private const ushort Nsec = 47;
    private const ushort Nsec3 = 50;

    /// <summary>
    /// Removes unrelated records from <c>message[..length]</c> in place, rewriting the message (with names
    /// uncompressed, apart from pointers into the question) when anything goes; <paramref name="message"/> beyond
    /// <paramref name="length"/> is room for the rewrite.
    /// </summary>
    /// <returns>Records removed, 0 when the message was left untouched, or -1 when it is malformed or its rewrite does not fit.</returns>
    public static int Scrub(Span<byte> message, ref int length)
    {
        ReadOnlySpan<byte> reply = message[..length];
        byte[] keep = ArrayPool<byte>.Shared.Rent(Math.Max(1, RecordCount(reply)));
        try
        {
            int removed = Classify(reply, keep);
            if (removed <= 0)
            {
                return removed;
            }

            byte[] scratch = ArrayPool<byte>.Shared.Rent(message.Length);
            try
            {
                int written = Rewrite(reply, keep, scratch.AsSpan(0, message.Length));
                if (written == 0)
                {
                    return -1;
                }

                scratch.AsSpan(0, written).CopyTo(message);
                length = written;
                return removed;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(keep);
        }
    }

    /// <summary>How many records <see cref="Scrub"/> would remove from <paramref name="message"/>; -1 when it is malformed.</summary>
    public static int CountUnrelated(ReadOnlySpan<byte> message)
    {
        byte[] keep = ArrayPool<byte>.Shared.Rent(Math.Max(1, RecordCount(message)));
        try
        {
            return Classify(message, keep);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(keep);
        }
    }

    private static int RecordCount(ReadOnlySpan<byte> message) =>
        message.Length < DnsHeader.Size ? 0 : DnsHeader.AnCount(message) + DnsHeader.NsCount(message) + DnsHeader.ArCount(message);

    /// <summary>Sets <c>keep[i]</c> to 1 for every record to keep, in message order.</summary>
    /// <returns>Records to remove, or -1 for a malformed message.</returns>
    private static int Classify(ReadOnlySpan<byte> message, Span<byte> keep)
    {
        var reader = new DnsRecordReader(message);
        if (reader.IsMalformed || DnsHeader.QdCount(message) != 1)
        {
            return -1;
        }

        int qnameEnd = reader.QuestionEnd - 4;
        ushort qtype = BinaryPrimitives.ReadUInt16BigEndian(message[qnameEnd..]);
        ushort qclass = BinaryPrimitives.ReadUInt16BigEndian(message[(qnameEnd + 2)..]);
        byte[] storage = ArrayPool<byte>.Shared.Rent(NameStorage);
        try
        {
            Span<byte> slots = storage.AsSpan(0, NameStorage);
            var chain = new NameList(slots[..(ChainSlots * NameList.SlotSize)]);
            var zones = new NameList(slots.Slice(ChainSlots * NameList.SlotSize, ZoneSlots * NameList.SlotSize));
            var references = new NameList(slots[((ChainSlots + ZoneSlots) * NameList.SlotSize)..]);
            Span<byte> name = stackalloc byte[NameList.SlotSize];

            // The question name is never compressed: a rewrite points into it.
            int qnameLength = ReadName(message, DnsHeader.Size, name);
            if (qnameLength != qnameEnd - DnsHeader.Size)
            {
                return -1;
            }

            chain.TryAdd(name[..qnameLength]);

            // A CNAME or ANY question is answered by what sits at the name itself; nothing is followed.
            if (qtype is not (ushort)DnsType.CNAME and not (ushort)DnsType.ANY && !FollowChain(message, qtype, qclass, ref chain))
            {
                return -1;
            }

            // First pass: the answer section, and the zones (SOA, NS) the authority section speaks for.
            int index = 0;
            reader = new DnsRecordReader(message);
            while (reader.TryReadNext(out DnsRecordInfo record))
            {
                bool kept = false;
                if (record.Class == qclass && record.Section != DnsSection.Additional)
                {
                    int length = ReadName(message, record.NameOffset, name);
                    if (length < 0)
                    {
                        return -1;
                    }

                    ReadOnlySpan<byte> owner = name[..length];
                    kept = record.Section == DnsSection.Answer
                        ? KeepAnswer(message, record, owner, qtype, ref chain, ref zones)
                        : record.Type is (ushort)DnsType.SOA or (ushort)DnsType.NS && chain.ContainsAtOrBelow(owner) && zones.TryAdd(owner);
                    if (kept)
                    {
                        AddReference(message, record, ref references);
                    }
                }

                keep[index++] = kept ? (byte)1 : (byte)0;
            }

            if (reader.IsMalformed)
            {
                return -1;
            }

            // Second pass: DNSSEC proofs within those zones, and additional records for the names kept so far.
            int removed = 0;
            index = 0;
            reader = new DnsRecordReader(message);
            while (reader.TryReadNext(out DnsRecordInfo record))
            {
                int at = index++;
                if (record.Section == DnsSection.Authority && keep[at] == 0 && record.Class == qclass
                    && record.Type is Nsec or Nsec3 or Ds or Rrsig)
                {
                    int length = ReadName(message, record.NameOffset, name);
                    keep[at] = length > 0 && zones.ContainsAtOrAbove(name[..length]) ? (byte)1 : (byte)0;
                }
                else if (record.Section == DnsSection.Additional)
                {
                    keep[at] = KeepAdditional(message, record, qclass, name, chain, zones, references) ? (byte)1 : (byte)0;
                }

                removed += 1 - keep[at];
            }

            return removed;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(storage);
        }
    }

    /// <summary>
    /// Extends <paramref name="chain"/> link by link with the CNAME owned by its last name, wherever it sits in
    /// the answer. The first record at that name, in message order, decides: a CNAME moves the chain on, a record
    /// of the question type ends it. (A name with a CNAME holds no other data, RFC 2181 §10.1, so when a reply has
    /// both, or two CNAMEs, the later one is the odd one out, as when a resolver reads the answer in order.)
    /// </summary>
    /// <returns>False for a malformed name.</returns>
    private static bool FollowChain(ReadOnlySpan<byte> message, ushort qtype, ushort qclass, ref NameList chain)
    {
        Span<byte> name = stackalloc byte[NameList.SlotSize];
        Span<byte> target = stackalloc byte[NameList.SlotSize];
        while (chain.Count < ChainSlots)
        {
            int targetLength = 0;
            var reader = new DnsRecordReader(message);
            while (reader.TryReadNext(out DnsRecordInfo record))
            {
                if (record.Section != DnsSection.Answer || record.Class != qclass
                    || (record.Type != (ushort)DnsType.CNAME && record.Type != qtype))
                {
                    continue;
                }

                int length = ReadName(message, record.NameOffset, name);
                if (length < 0)
                {
                    return false;
                }

                if (!DnsName.EqualsIgnoreCase(name[..length], chain.Last))
                {
                    continue;
                }

                if (record.Type == qtype)
                {
                    return true; // the answer is here
                }

                targetLength = ReadName(message, record.RDataOffset, target);
                if (targetLength < 0)
                {
                    return false;
                }

                break;
            }

            // A loop ends the chain; the link that closes it is not kept.
            if (targetLength == 0 || chain.Contains(target[..targetLength]) || !chain.TryAdd(target[..targetLength]))
            {
                return true;
            }
        }

        return true;
    }

    private static bool KeepAnswer(ReadOnlySpan<byte> message, in DnsRecordInfo record, scoped ReadOnlySpan<byte> owner, ushort qtype,
        ref NameList chain, ref NameList zones)
    {
        if (record.Type == qtype || qtype == (ushort)DnsType.ANY)
        {
            return DnsName.EqualsIgnoreCase(owner, chain.Last);
        }

        Span<byte> target = stackalloc byte[NameList.SlotSize];
        switch (record.Type)
        {
            case (ushort)DnsType.CNAME:
            {
                // Only the links of the chain: owned by one chain name and pointing at the next.
                int link = chain.IndexOf(owner);
                int length = link < 0 || link == chain.Count - 1 ? -1 : ReadName(message, record.RDataOffset, target);
                return length > 0 && DnsName.EqualsIgnoreCase(target[..length], chain[link + 1]);
            }

            case Dname:
                // RFC 6672: a DNAME redirects the names below its owner; the CNAME synthesised from it is a chain link.
                return chain.ContainsAtOrBelow(owner);

            case Rrsig when record.RDataLength > 18:
            {
                ushort covered = BinaryPrimitives.ReadUInt16BigEndian(message[record.RDataOffset..]);
                bool kept = chain.Contains(owner) || (covered == Dname && chain.ContainsAtOrBelow(owner));
                if (kept)
                {
                    // RFC 4034 §3.1.7: the signer is the zone holding the records; it must be at or above the owner.
                    int length = ReadName(message, record.RDataOffset + 18, target);
                    if (length > 0 && IsAtOrBelow(owner, target[..length]))
                    {
                        zones.TryAdd(target[..length]);
                    }
                }

                return kept;
            }

            default:
                return false;
        }
    }

    private static bool KeepAdditional(ReadOnlySpan<byte> message, in DnsRecordInfo record, ushort qclass, Span<byte> name,
        in NameList chain, in NameList zones, in NameList references)
    {
        if (record.Type == (ushort)DnsType.OPT)
        {
            return true; // EDNS, not data: the upstream stage and the cache deal with it
        }

        if (record.Class != qclass || record.Type is not ((ushort)DnsType.A or (ushort)DnsType.AAAA or Rrsig))
        {
            return false;
        }

        int length = ReadName(message, record.NameOffset, name);
        if (length < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> owner = name[..length];

        // Glue only within the zones the reply speaks for, or under the names it answers for.
        return chain.Contains(owner)
            || (references.Contains(owner) && (zones.ContainsAtOrAbove(owner) || chain.ContainsAtOrAbove(owner)));
    }

    /// <summary>Notes the target of a kept NS, MX or SRV record: its addresses may follow in the additional section.</summary>
    private static void AddReference(ReadOnlySpan<byte> message, in DnsRecordInfo record, ref NameList references)
    {
        int skip = record.Type switch
        {
            (ushort)DnsType.NS => 0,
            (ushort)DnsType.MX => 2,
            (ushort)DnsType.SRV => 6,
            _ => -1,
        };
        if (skip < 0 || record.RDataLength <= skip)
        {
            return;
        }

        Span<byte> target = stackalloc byte[NameList.SlotSize];
        int length = ReadName(message, record.RDataOffset + skip, target);
        if (length > 0)
        {
            references.TryAdd(target[..length]); // full: the extra glue goes, which only costs a lookup
        }
    }

    /// <summary>The name at <paramref name="offset"/>, decompressed into <paramref name="destination"/>.</summary>
    /// <returns>Its length, or -1 when it is malformed.</returns>
    private static int ReadName(ReadOnlySpan<byte> message, int offset, Span<byte> destination) =>
        DnsName.TryDecompress(message, offset, destination, out int length) ? length : -1;
}
