using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Stages.Admission;

/// <summary>
/// Refuses clients outside the access control list, so PipShield is never an open resolver.
/// Keys on the socket address only, never on EDNS Client Subnet (client-controlled).
/// </summary>
public sealed class AdmissionStage(AccessControlList acl) : IQueryStage
{
    public ValueTask<StageResult> ProcessAsync(QueryContext query, CancellationToken cancellationToken) =>
        new(acl.Allows(query.Client) ? StageResult.Continue : query.RespondWithError(Rcode.Refused, EdeCode.Prohibited));
}
