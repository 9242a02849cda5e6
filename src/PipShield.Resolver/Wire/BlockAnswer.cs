namespace PipShield.Resolver.Wire;

/// <summary>How a blocked query is answered on the wire.</summary>
public enum BlockAnswerKind : byte
{
    /// <summary>A/AAAA of the warning page; NODATA with an SOA for other types.</summary>
    Sinkhole = 0,

    /// <summary>NXDOMAIN with an SOA.</summary>
    NxDomain = 1,

    /// <summary>NOERROR, no answer, an SOA.</summary>
    NoData = 2,

    /// <summary>REFUSED.</summary>
    Refused = 3,
}

/// <summary>Everything <see cref="ResponseBuilder.WriteBlocked"/> needs; built by the policy stage, no allocation.</summary>
public readonly ref struct BlockAnswer
{
    public BlockAnswerKind Kind { get; init; }

    /// <summary>TTL of the sinkhole records and the SOA.</summary>
    public uint Ttl { get; init; }

    /// <summary>4 bytes, or empty for NODATA on A queries.</summary>
    public ReadOnlySpan<byte> SinkholeV4 { get; init; }

    /// <summary>16 bytes, or empty for NODATA on AAAA queries.</summary>
    public ReadOnlySpan<byte> SinkholeV6 { get; init; }

    /// <summary>Offset of the listed name within the question name (owner of the SOA).</summary>
    public int RuleNameOffset { get; init; }

    /// <summary>Blocked (15) or Filtered (17); sent only when the client used EDNS.</summary>
    public EdeCode? Ede { get; init; }

    /// <summary>UTF-8 EDE extra text naming category and source.</summary>
    public ReadOnlySpan<byte> ExtraText { get; init; }
}
