using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Lookup;

/// <summary>A source as recorded in an image, with the counts from its compile.</summary>
public sealed record ImageSource(
    int Index,
    string Name,
    string Category,
    ListFormat Format,
    RuleAction Action,
    bool IsAllowlist,
    bool WasRejected,
    int Accepted,
    int Duplicates,
    int Rejected,
    int Skipped,
    int Redundant);
