using System.Net;
using System.Net.Http;
using PipShield.Blocklist.Names;
using PipShield.Resolver.Wire;

namespace PipShield.Service.Feeds;

/// <summary>The address queries for a feed's host name, and the addresses read back from the reply.</summary>
internal static class FeedHostQuery
{
    private const ushort RecursionDesired = 0x0100;

    /// <summary>A query for <paramref name="host"/> (Unicode names are converted to A-labels) with RD set; the pool gives it a random ID.</summary>
    /// <exception cref="HttpRequestException"><paramref name="host"/> is not a valid host name.</exception>
    public static byte[] Build(string host, DnsType type)
    {
        Span<char> name = stackalloc char[DomainName.MaxLength];
        if (!DomainName.TryNormalize(host, name, out int chars, out string? error, allowSingleLabel: true))
        {
            throw new HttpRequestException($"'{host}' is not a host name: {error}");
        }

        Span<byte> wire = stackalloc byte[DomainName.MaxWireLength + 1];
        int wireLength = DomainName.WriteWire(name[..chars], wire);
        byte[] query = new byte[DnsHeader.Size + wireLength + 4];
        var writer = new DnsMessageWriter(query);
        Span<byte> typeAndClass = [(byte)((ushort)type >> 8), (byte)type, 0, 1];
        if (!writer.TryWriteHeader(0, RecursionDesired, 1, 0, 0, 0)
            || !writer.TryWriteBytes(wire[..wireLength]) || !writer.TryWriteBytes(typeAndClass))
        {
            throw new HttpRequestException($"'{host}' is too long for a DNS query");
        }

        return query;
    }

    /// <summary>The addresses of <paramref name="type"/> in the answer section (after any CNAME chain).</summary>
    public static List<IPAddress> Addresses(ReadOnlySpan<byte> reply, DnsType type)
    {
        int size = type == DnsType.A ? 4 : 16;
        var addresses = new List<IPAddress>();
        var reader = new DnsRecordReader(reply);
        while (reader.TryReadNext(out DnsRecordInfo record))
        {
            if (record.Section == DnsSection.Answer && record.Type == (ushort)type && record.RDataLength == size)
            {
                addresses.Add(new IPAddress(reply.Slice(record.RDataOffset, size)));
            }
        }

        return addresses;
    }
}
