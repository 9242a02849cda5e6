namespace PipShield.Resolver.Stages.RateLimit;

/// <summary>What the rate limit says about one response to a client prefix.</summary>
internal enum RateDecision : byte
{
    /// <summary>Within the limit: answer as usual.</summary>
    Allow = 0,

    /// <summary>Over the limit, and this one slips through as a truncated answer (TC=1).</summary>
    Slip = 1,

    /// <summary>Over the limit: send nothing.</summary>
    Drop = 2,
}
