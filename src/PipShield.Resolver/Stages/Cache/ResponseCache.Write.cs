using System.Buffers.Binary;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Stages.Cache;

public sealed partial class ResponseCache
{
    /// <summary>UDP payload size advertised in the OPT of cached answers, as <see cref="ResponseBuilder"/> does.</summary>
    private const ushort AdvertisedPayloadSize = 1232;

    /// <summary>
    /// Copies <paramref name="entry"/> into the response of <paramref name="query"/>, made out to this client.
    /// Truncation to the client's payload size is the listener's job.
    /// </summary>
    /// <param name="ageSeconds">Subtracted from every TTL (never below 1 while fresh: each TTL is at least the entry's).</param>
    /// <param name="staleTtl">When not 0, every TTL is set to this instead, and EDE 3 (Stale Answer) is added.</param>
    /// <returns>The response length.</returns>
    private static int Write(CacheEntry entry, QueryContext query, uint ageSeconds, uint staleTtl)
    {
        QueryInfo info = query.Query;
        Span<byte> response = query.Response;
        int length = entry.MessageLength;
        entry.Message.CopyTo(response);

        // The client's ID, RD and CD; AD only for clients that asked for it (RFC 6840 §5.8).
        DnsHeader.WriteId(response, info.Id);
        const ushort echoed = DnsHeader.RdFlag | DnsHeader.CdFlag;
        ushort flags = (ushort)((DnsHeader.Flags(response) & ~echoed) | (info.Flags & echoed));
        if (!info.DnssecOk && (info.Flags & DnsHeader.AdFlag) == 0)
        {
            flags &= unchecked((ushort)~DnsHeader.AdFlag);
        }

        BinaryPrimitives.WriteUInt16BigEndian(response[2..], flags);

        // The client's own spelling of the name, so 0x20 case randomisation checks out (and answer owners
        // compressed to it follow suit).
        info.QName(query.RequestSpan).CopyTo(response[DnsHeader.Size..]);

        // Stored TTLs never include an OPT (it was cut off at insert), whose TTL field holds flags.
        int count = entry.TtlCount;
        for (int i = 0; i < count; i++)
        {
            Span<byte> field = response[entry.TtlOffset(i)..];
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(field);
            ttl = staleTtl != 0 ? staleTtl : ttl > ageSeconds ? ttl - ageSeconds : 1;
            BinaryPrimitives.WriteUInt32BigEndian(field, ttl);
        }

        if (info.HasEdns)
        {
            // RFC 6891 §7: an OPT only for clients that sent one; ours, never the upstream's cookie or padding.
            var writer = new DnsMessageWriter(response[length..]);
            EdeCode? ede = staleTtl != 0 ? EdeCode.StaleAnswer : null;
            if (writer.TryWriteOpt(AdvertisedPayloadSize, info.DnssecOk, 0, ede, default))
            {
                BinaryPrimitives.WriteUInt16BigEndian(response[10..], (ushort)(DnsHeader.ArCount(response) + 1));
                length += writer.Length;
            }
        }

        return length;
    }
}
