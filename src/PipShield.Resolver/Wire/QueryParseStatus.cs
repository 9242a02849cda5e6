namespace PipShield.Resolver.Wire;

/// <summary>The outcome of reading a query: answer it, or how to refuse it.</summary>
public enum QueryParseStatus : byte
{
    /// <summary>A well-formed standard query.</summary>
    Ok = 0,

    /// <summary>Send nothing: no header can be read, or it is a response (QR=1), never answered.</summary>
    Drop = 1,

    /// <summary>Reply FORMERR (RFC 1035 §4.1.1).</summary>
    FormErr = 2,

    /// <summary>Reply NOTIMP: an opcode other than QUERY.</summary>
    NotImp = 3,

    /// <summary>Reply BADVERS with an OPT of version 0 (RFC 6891 §6.1.3).</summary>
    BadVers = 4,
}
