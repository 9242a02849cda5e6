using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Compiling;

/// <summary>One list as the compiler takes it in.</summary>
/// <param name="Name">Shown in lookups, logs and the block page; usually the file or feed name.</param>
/// <param name="Category">What the list is about: phishing, malware, c2, scam, custom, …</param>
/// <param name="Format">The syntax; null to detect it from the first lines.</param>
/// <param name="Action">How its blocked names are answered, unless a rule (RPZ) says otherwise.</param>
/// <param name="IsAllowlist">Every rule of an allowlist allows, whatever its syntax says.</param>
public sealed record SourceDescriptor(
    string Name,
    string Category,
    ListFormat? Format = null,
    RuleAction Action = RuleAction.Default,
    bool IsAllowlist = false);
