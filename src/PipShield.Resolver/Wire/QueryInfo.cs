namespace PipShield.Resolver.Wire;

/// <summary>
/// What <see cref="QueryParser"/> read from a query, as offsets and values that stay valid while the
/// packet's buffer does. The question name starts at offset 12 in wire format and is never compressed.
/// </summary>
public readonly struct QueryInfo
{
    /// <summary>Query ID, echoed in the reply.</summary>
    public ushort Id { get; init; }

    /// <summary>Header flags as sent.</summary>
    public ushort Flags { get; init; }

    /// <summary>Length of the question name in wire format, root label included; 0 when the question was not read.</summary>
    public int QNameLength { get; init; }

    /// <summary>Question type.</summary>
    public ushort QType { get; init; }

    /// <summary>Question class.</summary>
    public ushort QClass { get; init; }

    /// <summary>Offset just past the question; 0 when the question was not read.</summary>
    public int QuestionEnd { get; init; }

    /// <summary>The query carried an OPT record (RFC 6891).</summary>
    public bool HasEdns { get; init; }

    /// <summary>The client's UDP payload size: 512 without EDNS, and never below 512.</summary>
    public ushort UdpPayloadSize { get; init; }

    /// <summary>EDNS version the client sent.</summary>
    public byte EdnsVersion { get; init; }

    /// <summary>The DO bit (RFC 3225).</summary>
    public bool DnssecOk { get; init; }

    /// <summary>The client sent an empty Extended DNS Error option: it reads structured (JSON) EXTRA-TEXT.</summary>
    public bool WantsStructuredError { get; init; }

    public bool RecursionDesired => (Flags & DnsHeader.RdFlag) != 0;

    public bool CheckingDisabled => (Flags & DnsHeader.CdFlag) != 0;

    public bool HasQuestion => QuestionEnd > 0;

    /// <summary>The question name, as a view over <paramref name="packet"/>.</summary>
    public ReadOnlySpan<byte> QName(ReadOnlySpan<byte> packet) => packet.Slice(DnsHeader.Size, QNameLength);

    /// <summary>The whole question (name, type, class) as sent.</summary>
    public ReadOnlySpan<byte> Question(ReadOnlySpan<byte> packet) => packet[DnsHeader.Size..QuestionEnd];
}
