using System.Buffers.Binary;

namespace PipShield.Resolver.Wire;

/// <summary>The section a record was read from.</summary>
public enum DnsSection : byte
{
    Answer = 1,
    Authority = 2,
    Additional = 3,
}

/// <summary>Where one resource record sits in a message; every offset points into that message.</summary>
public readonly struct DnsRecordInfo
{
    public DnsSection Section { get; init; }

    /// <summary>Offset of the owner name (possibly compressed; see <see cref="DnsName.TryDecompress"/>).</summary>
    public int NameOffset { get; init; }

    public ushort Type { get; init; }

    public ushort Class { get; init; }

    public uint Ttl { get; init; }

    /// <summary>Offset of the 4-byte TTL field, for rewriting it in place (not a TTL for OPT: there it holds flags).</summary>
    public int TtlOffset { get; init; }

    public int RDataOffset { get; init; }

    public int RDataLength { get; init; }
}

/// <summary>
/// Walks the records of a message (answer, authority, additional) after its questions, in place and
/// without allocating. Stops, with <see cref="IsMalformed"/> set, at the first record that does not fit.
/// </summary>
public ref struct DnsRecordReader
{
    private readonly ReadOnlySpan<byte> _message;
    private readonly int _answers;
    private readonly int _authority;
    private readonly int _total;
    private int _position;
    private int _index;

    public DnsRecordReader(ReadOnlySpan<byte> message)
    {
        _message = message;
        if (message.Length < DnsHeader.Size)
        {
            IsMalformed = true;
            return;
        }

        _answers = DnsHeader.AnCount(message);
        _authority = DnsHeader.NsCount(message);
        _total = _answers + _authority + DnsHeader.ArCount(message);
        _position = DnsHeader.Size;
        for (int i = DnsHeader.QdCount(message); i > 0; i--)
        {
            if (!QueryParser.TrySkipName(message, ref _position) || _position + 4 > message.Length)
            {
                IsMalformed = true;
                return;
            }

            _position += 4;
        }

        QuestionEnd = _position;
    }

    /// <summary>True when the message ended inside a question or a record.</summary>
    public bool IsMalformed { get; private set; }

    /// <summary>Offset just after the question section.</summary>
    public int QuestionEnd { get; }

    /// <summary>Reads the next record.</summary>
    /// <returns>False at the end of the message's records, or when one is malformed.</returns>
    public bool TryReadNext(out DnsRecordInfo record)
    {
        record = default;
        if (IsMalformed || _index >= _total)
        {
            return false;
        }

        int nameOffset = _position;
        if (!QueryParser.TrySkipRecord(_message, ref _position, out ushort type, out int rdataStart))
        {
            IsMalformed = true;
            return false;
        }

        int fixedStart = rdataStart - 10;
        record = new DnsRecordInfo
        {
            Section = _index < _answers ? DnsSection.Answer : _index < _answers + _authority ? DnsSection.Authority : DnsSection.Additional,
            NameOffset = nameOffset,
            Type = type,
            Class = BinaryPrimitives.ReadUInt16BigEndian(_message[(fixedStart + 2)..]),
            Ttl = BinaryPrimitives.ReadUInt32BigEndian(_message[(fixedStart + 4)..]),
            TtlOffset = fixedStart + 4,
            RDataOffset = rdataStart,
            RDataLength = _position - rdataStart,
        };
        _index++;
        return true;
    }
}
