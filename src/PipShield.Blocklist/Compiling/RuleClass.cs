namespace PipShield.Blocklist.Compiling;

/// <summary>
/// What a stored rule answers: source, verdict, action, scope and any local data. Slots hold a 16-bit
/// index into the interned table of these, so a million rules from a handful of sources share a few classes.
/// </summary>
internal readonly record struct RuleClass(
    ushort Source, Verdict Verdict, RuleAction Action, DomainScope Scope, string? LocalData);
