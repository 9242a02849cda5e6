namespace PipShield.Blocklist;

/// <summary>What a rule decides, and what a lookup found.</summary>
public enum Verdict : byte
{
    /// <summary>No rule covers the name or address.</summary>
    None = 0,

    /// <summary>A block rule is the most specific match.</summary>
    Blocked = 1,

    /// <summary>An allow rule is the most specific match (or ties with a block rule at the same level).</summary>
    Allowed = 2,
}
