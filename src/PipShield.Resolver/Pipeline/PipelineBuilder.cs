using PipShield.Resolver.QueryLog;
using PipShield.Resolver.Stages.Admission;
using PipShield.Resolver.Stages.Device;
using PipShield.Resolver.Stages.MetaQuery;
using PipShield.Resolver.Stages.Parse;
using PipShield.Resolver.Stages.Policy;
using PipShield.Resolver.Stages.RateLimit;

namespace PipShield.Resolver.Pipeline;

/// <summary>The one place that fixes the order of the stages, and why.</summary>
public static class PipelineBuilder
{
    /// <summary>Composes the pipeline.</summary>
    /// <param name="cache">The cache lookup stage, or null for none.</param>
    /// <param name="upstream">The forwarding stage; without one, unanswered queries get SERVFAIL.</param>
    /// <param name="responseStages">Response inspection, cache insert, metrics: run on every response, in this order.</param>
    public static QueryPipeline Build(AccessControlList acl, ImageHolder images, PolicyOptions policy,
        IQueryStage? cache, IQueryStage? upstream, IResponseStage[] responseStages, Action<Exception>? onStageFault = null) =>
        Build(acl, new PolicyStage(images, policy), cache, upstream, responseStages, onStageFault);

    /// <summary>Composes the pipeline around an existing policy stage (shared with response inspection).</summary>
    /// <param name="rateLimit">The UDP response rate limit, or null for none.</param>
    /// <param name="queryLog">Sees every finished query after the response stages, or null for none.</param>
    /// <param name="devices">Names plain-DNS clients by address (<see cref="DeviceStage"/>), or null for none.</param>
    public static QueryPipeline Build(AccessControlList acl, PolicyStage policy,
        IQueryStage? cache, IQueryStage? upstream, IResponseStage[] responseStages, Action<Exception>? onStageFault = null,
        RateLimitStage? rateLimit = null, IQueryLog? queryLog = null, IDeviceDirectory? devices = null)
    {
        var stages = new List<IQueryStage> { new ParseStage() }; // first: nothing else reads an unparsed packet
        if (devices is not null)
        {
            stages.Add(new DeviceStage(devices)); // before admission: a refused query is logged with its device too
        }

        stages.Add(new AdmissionStage(acl));    // before any work for the client: not an open resolver
        if (rateLimit is not null)
        {
            stages.Add(rateLimit);              // right after admission: refused clients never take a slot, and a limited query costs no lookup
        }

        stages.Add(new MetaQueryStage());       // before policy and cache: ANY, AXFR/IXFR and non-IN classes are answered here, never forwarded
        stages.Add(policy);                     // before cache: a newly blocked name must not be served from an old cache entry
        if (cache is not null)
        {
            stages.Add(cache);                  // before upstream: hits answer on the receiving thread
        }

        if (upstream is not null)
        {
            stages.Add(upstream);               // last: always answers (stale or SERVFAIL) or drops
        }

        return new QueryPipeline([.. stages], responseStages, onStageFault, queryLog);
    }
}
