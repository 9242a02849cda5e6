using System.Buffers.Binary;

namespace PipShield.Resolver.Wire;

/// <summary>
/// Appends message parts to a caller-owned buffer. Every method returns false, and writes nothing,
/// when the part does not fit; the caller then truncates (TC=1) or gives up.
/// </summary>
public ref struct DnsMessageWriter
{
    /// <summary>A compression pointer to the question name, which always sits at offset 12.</summary>
    public const ushort QNamePointer = 0xC000 | DnsHeader.Size;

    private readonly Span<byte> _buffer;
    private int _position;

    public DnsMessageWriter(Span<byte> buffer) => _buffer = buffer;

    /// <summary>Bytes written so far.</summary>
    public readonly int Length => _position;

    /// <summary>The bytes written so far.</summary>
    public readonly Span<byte> Written => _buffer[.._position];

    public bool TryWriteHeader(ushort id, ushort flags, ushort qdCount, ushort anCount, ushort nsCount, ushort arCount)
    {
        if (!HasRoom(DnsHeader.Size))
        {
            return false;
        }

        Span<byte> h = _buffer[_position..];
        BinaryPrimitives.WriteUInt16BigEndian(h, id);
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], qdCount);
        BinaryPrimitives.WriteUInt16BigEndian(h[6..], anCount);
        BinaryPrimitives.WriteUInt16BigEndian(h[8..], nsCount);
        BinaryPrimitives.WriteUInt16BigEndian(h[10..], arCount);
        _position += DnsHeader.Size;
        return true;
    }

    /// <summary>Rewrites the section counts of the header at the start of the buffer.</summary>
    public readonly void SetCounts(ushort anCount, ushort nsCount, ushort arCount)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[6..], anCount);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[8..], nsCount);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[10..], arCount);
    }

    public bool TryWriteBytes(scoped ReadOnlySpan<byte> bytes)
    {
        if (!HasRoom(bytes.Length))
        {
            return false;
        }

        bytes.CopyTo(_buffer[_position..]);
        _position += bytes.Length;
        return true;
    }

    /// <summary>A record owned by the name a compression pointer designates, up to its RDATA.</summary>
    public bool TryWriteRecordHeader(ushort ownerPointer, DnsType type, ushort recordClass, uint ttl, int rdLength)
    {
        if (!HasRoom(12 + rdLength))
        {
            return false;
        }

        Span<byte> r = _buffer[_position..];
        BinaryPrimitives.WriteUInt16BigEndian(r, ownerPointer);
        BinaryPrimitives.WriteUInt16BigEndian(r[2..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(r[4..], recordClass);
        BinaryPrimitives.WriteUInt32BigEndian(r[6..], ttl);
        BinaryPrimitives.WriteUInt16BigEndian(r[10..], (ushort)rdLength);
        _position += 12;
        return true;
    }

    /// <summary>
    /// The OPT pseudo-record (RFC 6891 §6.1.2), with an Extended DNS Error option (RFC 8914) when
    /// <paramref name="ede"/> is set; <paramref name="extraText"/> is UTF-8 and may be empty.
    /// </summary>
    public bool TryWriteOpt(ushort udpPayloadSize, bool dnssecOk, byte extendedRcode, EdeCode? ede, scoped ReadOnlySpan<byte> extraText)
    {
        int optionLength = ede is null ? 0 : 4 + 2 + extraText.Length;
        if (!HasRoom(11 + optionLength))
        {
            return false;
        }

        Span<byte> o = _buffer[_position..];
        o[0] = 0; // root owner
        BinaryPrimitives.WriteUInt16BigEndian(o[1..], (ushort)DnsType.OPT);
        BinaryPrimitives.WriteUInt16BigEndian(o[3..], udpPayloadSize);
        o[5] = extendedRcode;
        o[6] = 0; // version 0
        BinaryPrimitives.WriteUInt16BigEndian(o[7..], dnssecOk ? (ushort)0x8000 : (ushort)0);
        BinaryPrimitives.WriteUInt16BigEndian(o[9..], (ushort)optionLength);
        if (ede is { } code)
        {
            BinaryPrimitives.WriteUInt16BigEndian(o[11..], EdnsOptions.ExtendedError);
            BinaryPrimitives.WriteUInt16BigEndian(o[13..], (ushort)(2 + extraText.Length));
            BinaryPrimitives.WriteUInt16BigEndian(o[15..], (ushort)code);
            extraText.CopyTo(o[17..]);
        }

        _position += 11 + optionLength;
        return true;
    }

    private readonly bool HasRoom(int bytes) => _buffer.Length - _position >= bytes;
}
