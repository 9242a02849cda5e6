using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Stages.MetaQuery;

/// <summary>
/// Answers the queries PipShield never forwards: classes other than IN and zone transfers get REFUSED with
/// Extended DNS Error 21 (Not Supported); ANY gets the minimal RFC 8482 answer, a synthesized HINFO. Every
/// other query continues. Completes synchronously and allocates nothing.
/// </summary>
public sealed class MetaQueryStage : IQueryStage
{
    /// <summary>TTL of the HINFO answer to ANY: long, so a client that asks again is answered from its own cache.</summary>
    public const uint MinimalAnyTtl = 3600;

    private const ushort ClassIn = 1;

    public ValueTask<StageResult> ProcessAsync(QueryContext query, CancellationToken cancellationToken)
    {
        QueryInfo info = query.Query;
        StageResult result = info switch
        {
            // CH (version.bind and the like) would describe the server; HS, NONE and ANY have no data to resolve.
            { QClass: not ClassIn } => query.RespondWithError(Rcode.Refused, EdeCode.NotSupported),
            { QType: (ushort)DnsType.AXFR or (ushort)DnsType.IXFR } => query.RespondWithError(Rcode.Refused, EdeCode.NotSupported),
            { QType: (ushort)DnsType.ANY } => RespondMinimalAny(query),
            _ => StageResult.Continue,
        };
        return new ValueTask<StageResult>(result);
    }

    private static StageResult RespondMinimalAny(QueryContext query)
    {
        query.ResponseLength = ResponseBuilder.WriteMinimalAny(query.RequestSpan, query.Query, MinimalAnyTtl, query.Response);
        query.Origin = ResponseOrigin.Local;
        return query.ResponseLength > 0 ? StageResult.Respond : StageResult.Drop;
    }
}
