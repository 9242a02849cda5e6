using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Listeners;

/// <summary>
/// The SERVFAIL a listener sends, without running the pipeline, when too many queries are in flight: the client
/// moves on to another server at once instead of waiting for a timeout. No larger than the query, so it cannot
/// amplify anything.
/// </summary>
internal static class OverloadResponse
{
    /// <summary>Largest overload response: header, a 255-byte name, type, class and an OPT without options.</summary>
    public const int MaxSize = DnsHeader.Size + 255 + 4 + 11;

    /// <summary>Writes SERVFAIL for <paramref name="request"/> into <paramref name="destination"/>.</summary>
    /// <returns>Bytes written; 0 when the request must not be answered (a response, or shorter than a header).</returns>
    public static int Write(ReadOnlySpan<byte> request, Span<byte> destination) => Write(request, destination, Rcode.ServFail);

    /// <summary>Writes an error with <paramref name="rcode"/> (REFUSED for an unknown device) for <paramref name="request"/>.</summary>
    /// <returns>Bytes written; 0 when the request must not be answered.</returns>
    public static int Write(ReadOnlySpan<byte> request, Span<byte> destination, Rcode rcode)
    {
        if (QueryParser.Parse(request, out QueryInfo info) == QueryParseStatus.Drop)
        {
            return 0;
        }

        return ResponseBuilder.WriteError(request, info, rcode, destination);
    }
}
