using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Stages.Parse;

/// <summary>
/// Reads the query (header, question, EDNS) and answers what cannot go further: FORMERR, NOTIMP, BADVERS.
/// Drops what must not be answered (short packets, responses).
/// </summary>
public sealed class ParseStage : IQueryStage
{
    public ValueTask<StageResult> ProcessAsync(QueryContext query, CancellationToken cancellationToken)
    {
        QueryParseStatus status = QueryParser.Parse(query.RequestSpan, out QueryInfo info);
        query.Query = info;
        if (query.Transport == Transport.Udp)
        {
            query.MaxResponseSize = info.UdpPayloadSize;
        }

        StageResult result = status switch
        {
            QueryParseStatus.Ok => StageResult.Continue,
            QueryParseStatus.FormErr => query.RespondWithError(Rcode.FormErr),
            QueryParseStatus.NotImp => query.RespondWithError(Rcode.NotImp),
            QueryParseStatus.BadVers => query.RespondWithError(Rcode.BadVers),
            _ => StageResult.Drop,
        };
        return new ValueTask<StageResult>(result);
    }
}
