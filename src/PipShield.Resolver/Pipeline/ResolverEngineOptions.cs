using PipShield.Resolver.Server;
using PipShield.Resolver.Stages.Admission;
using PipShield.Resolver.Stages.Cache;
using PipShield.Resolver.Stages.Policy;
using PipShield.Resolver.Stages.RateLimit;
using PipShield.Resolver.Upstream;

namespace PipShield.Resolver.Pipeline;

/// <summary>Every setting of the resolver, one options object per feature.</summary>
public sealed class ResolverEngineOptions
{
    public ResolverServerOptions Server { get; init; } = new();

    public UpstreamOptions Upstream { get; init; } = new();

    public CacheOptions Cache { get; init; } = new();

    public PolicyOptions Policy { get; init; } = new();

    /// <summary>The UDP response rate limit per client prefix. Default on: 200 per second per /24 or /56, nothing exempt.</summary>
    public RateLimitOptions RateLimit { get; init; } = new();

    /// <summary>Who may query. Default: loopback and private ranges (<see cref="AccessControlList.PrivateNetworks"/>).</summary>
    public AccessControlList AccessControl { get; init; } = AccessControlList.PrivateNetworks;
}
