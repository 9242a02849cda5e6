using System.Buffers.Binary;
using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>
/// An upstream at the <see cref="IUpstreamClient"/> seam that answers every query NXDOMAIN with an SOA (TTL 300,
/// MINIMUM 30) in the authority section, which the fake server cannot send; counts the queries it gets.
/// </summary>
internal sealed class NegativeUpstream : IUpstreamClient
{
    private int _queries;

    public int QueryCount => Volatile.Read(ref _queries);

    public ValueTask<UpstreamResult> QueryAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _queries);
        QueryParser.Parse(query.Span, out QueryInfo info);
        var writer = new DnsMessageWriter(response.Span);
        writer.TryWriteHeader(info.Id, (ushort)(DnsHeader.QrFlag | DnsHeader.RdFlag | DnsHeader.RaFlag | (ushort)Rcode.NxDomain), 1, 0, 1, 0);
        writer.TryWriteBytes(info.Question(query.Span));
        ReadOnlySpan<byte> mname = "\u0002ns\u0007example\u0003org\u0000"u8;
        ReadOnlySpan<byte> rname = "\u000ahostmaster\u0007example\u0003org\u0000"u8;
        writer.TryWriteRecordHeader(DnsMessageWriter.QNamePointer, DnsType.SOA, 1, 300, mname.Length + rname.Length + 20);
        writer.TryWriteBytes(mname);
        writer.TryWriteBytes(rname);
        Span<byte> numbers = stackalloc byte[20];
        BinaryPrimitives.WriteUInt32BigEndian(numbers, 1);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[4..], 3600);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[8..], 600);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[12..], 86400);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[16..], 30);
        writer.TryWriteBytes(numbers);
        return new(new UpstreamResult(UpstreamStatus.Ok, writer.Length));
    }
}
