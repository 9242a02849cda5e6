using System.Buffers.Binary;
using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Stages.Cache;

/// <summary>TTL limits in seconds, taken from <see cref="CacheOptions"/> once.</summary>
internal readonly record struct TtlLimits(uint Min, uint Max, uint MaxNegative);

/// <summary>
/// Decides whether an upstream response may be cached, and turns it into the bytes of a
/// <see cref="CacheEntry"/>: OPT removed (its cookie and padding belong to one exchange; each client gets its
/// own OPT on a hit), question name folded, TTLs clamped, and the TTL field offsets appended.
/// </summary>
internal static class CacheableResponse
{
    /// <summary>Checks <paramref name="response"/> against the key it would be filed under.</summary>
    /// <param name="maxDataLength">Largest entry data accepted.</param>
    /// <param name="ttl">The entry's lifetime in seconds: the smallest clamped record TTL.</param>
    public static CacheInsertOutcome TryBuild(ReadOnlySpan<byte> response, in CacheKey key, ReadOnlySpan<byte> foldedName,
        TtlLimits limits, long maxDataLength, out byte[] data, out int messageLength, out int questionEnd, out uint ttl)
    {
        data = [];
        messageLength = 0;
        ttl = 0;
        questionEnd = DnsHeader.Size + key.NameLength + 4;
        if (!IsCacheableHeader(response) || !QuestionMatches(response, key, foldedName))
        {
            return CacheInsertOutcome.NotCacheable;
        }

        bool negative = DnsHeader.Rcode(response) == Rcode.NxDomain || DnsHeader.AnCount(response) == 0;
        int total = DnsHeader.AnCount(response) + DnsHeader.NsCount(response) + DnsHeader.ArCount(response);
        int optStart = -1;
        int recordsEnd = 0;
        int records = 0;
        uint smallestTtl = uint.MaxValue;
        bool sawSoa = false;
        var reader = new DnsRecordReader(response);
        while (reader.TryReadNext(out DnsRecordInfo record))
        {
            records++;
            if (record.Type == (ushort)DnsType.OPT)
            {
                // Only a last OPT can be cut off without moving compression targets behind it.
                if (records != total || record.Section != DnsSection.Additional)
                {
                    return CacheInsertOutcome.NotCacheable;
                }

                optStart = record.NameOffset;
                continue;
            }

            recordsEnd = record.RDataOffset + record.RDataLength;

            if (record.Type == TsigType)
            {
                return CacheInsertOutcome.NotCacheable; // signed for one exchange (RFC 8945)
            }

            bool soa = IsNegativeSoa(record, negative);
            sawSoa |= soa;
            // RFC 2181 §8: a TTL with the top bit set is treated as zero.
            uint recordTtl = record.Ttl > int.MaxValue ? 0 : soa ? SoaNegativeTtl(response, record) : record.Ttl;
            smallestTtl = Math.Min(smallestTtl, recordTtl);
        }

        // RFC 2308 §5: a negative answer without an SOA says nothing about how long to keep it; don't.
        if (reader.IsMalformed || records != total || (negative && !sawSoa) || smallestTtl == 0 || smallestTtl == uint.MaxValue)
        {
            return CacheInsertOutcome.NotCacheable;
        }

        // The upstream pool scrubs replies before relaying them; whatever delivered this one, a record that does
        // not answer the question (an injected address for another name) is never stored.
        if (ReplyScrubber.CountUnrelated(response) != 0)
        {
            return CacheInsertOutcome.NotCacheable;
        }

        // Bytes after the last record are dropped: a hit appends the client's OPT there, where a reader must find it.
        messageLength = optStart >= 0 ? optStart : Math.Max(recordsEnd, reader.QuestionEnd);
        int ttlCount = optStart >= 0 ? records - 1 : records;
        if (messageLength + 2L * ttlCount + CacheEntry.Overhead > maxDataLength)
        {
            return CacheInsertOutcome.TooLarge;
        }

        data = new byte[messageLength + 2 * ttlCount];
        Span<byte> message = data.AsSpan(0, messageLength);
        response[..messageLength].CopyTo(message);
        foldedName.CopyTo(message[DnsHeader.Size..]);
        if (optStart >= 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(message[10..], (ushort)(DnsHeader.ArCount(message) - 1));
        }

        ttl = RewriteTtls(data, messageLength, negative, limits);
        return CacheInsertOutcome.Inserted;
    }

    private const ushort TsigType = 250;

    private static bool IsCacheableHeader(ReadOnlySpan<byte> response)
    {
        if (response.Length < DnsHeader.Size || DnsHeader.QdCount(response) != 1)
        {
            return false;
        }

        ushort flags = DnsHeader.Flags(response);
        Rcode rcode = DnsHeader.Rcode(response);
        return (flags & DnsHeader.QrFlag) != 0 && (flags & DnsHeader.TcFlag) == 0 && DnsHeader.Opcode(flags) == 0
            && rcode is Rcode.NoError or Rcode.NxDomain;
    }

    /// <summary>The response asks the same question: name equal ignoring case, same type and class.</summary>
    private static bool QuestionMatches(ReadOnlySpan<byte> response, in CacheKey key, ReadOnlySpan<byte> foldedName)
    {
        int end = DnsHeader.Size + key.NameLength;
        if (response.Length < end + 4)
        {
            return false;
        }

        // The folded name is a valid uncompressed name, so a byte-wise match makes the response's one too.
        ReadOnlySpan<byte> name = response[DnsHeader.Size..end];
        for (int i = 0; i < name.Length; i++)
        {
            if (CacheKey.Fold(name[i]) != foldedName[i])
            {
                return false;
            }
        }

        return BinaryPrimitives.ReadUInt16BigEndian(response[end..]) == key.QType
            && BinaryPrimitives.ReadUInt16BigEndian(response[(end + 2)..]) == key.QClass;
    }

    private static bool IsNegativeSoa(in DnsRecordInfo record, bool negative) =>
        negative && record.Type == (ushort)DnsType.SOA && record.Section == DnsSection.Authority && record.RDataLength >= 22;

    /// <summary>RFC 2308 §5: the negative TTL is the smaller of the SOA's own TTL and its MINIMUM field.</summary>
    private static uint SoaNegativeTtl(ReadOnlySpan<byte> message, in DnsRecordInfo record) =>
        Math.Min(record.Ttl, BinaryPrimitives.ReadUInt32BigEndian(message[(record.RDataOffset + record.RDataLength - 4)..]));

    /// <summary>Clamps every TTL in place, records where each one is, and returns the smallest.</summary>
    private static uint RewriteTtls(byte[] data, int messageLength, bool negative, TtlLimits limits)
    {
        Span<byte> message = data.AsSpan(0, messageLength);
        Span<byte> offsets = data.AsSpan(messageLength);
        uint max = negative ? Math.Min(limits.Max, limits.MaxNegative) : limits.Max;
        uint smallest = uint.MaxValue;
        int index = 0;
        var reader = new DnsRecordReader(message);
        while (reader.TryReadNext(out DnsRecordInfo record))
        {
            uint ttl = IsNegativeSoa(record, negative) ? SoaNegativeTtl(message, record) : record.Ttl;
            ttl = Math.Min(Math.Max(ttl, limits.Min), max); // the maximum wins over a misconfigured minimum
            BinaryPrimitives.WriteUInt32BigEndian(message[record.TtlOffset..], ttl);
            BinaryPrimitives.WriteUInt16BigEndian(offsets[(2 * index)..], (ushort)record.TtlOffset);
            smallest = Math.Min(smallest, ttl);
            index++;
        }

        return smallest;
    }
}
