namespace PipShield.Blocklist.Parsing;

/// <summary>Why a well-formed line produced no rule. Skips are counted per source, never treated as errors.</summary>
public enum SkipReason : byte
{
    /// <summary>A hosts entry for <c>localhost</c>, <c>broadcasthost</c> and the like, or an IP rule for loopback (<c>127.0.0.0/8</c>, <c>::1</c>) or the unspecified address.</summary>
    LocalHostEntry = 0,

    /// <summary>An AdBlock rule with <c>$</c> modifiers DNS cannot honour, or a path/cosmetic rule.</summary>
    UnsupportedModifier = 1,

    /// <summary>An RPZ trigger PipShield does not implement (<c>rpz-nsdname</c>, <c>rpz-nsip</c>, <c>rpz-client-ip</c>).</summary>
    UnsupportedTrigger = 2,

    /// <summary>An RPZ record that is not policy (SOA, NS) or a policy action that is not supported.</summary>
    NonPolicyRecord = 3,

    /// <summary>A line in a syntax this parser recognises but that does not describe a DNS name rule.</summary>
    UnsupportedSyntax = 4,
}
