using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Parsing;

/// <summary>A copy of a <see cref="ListRule"/> that outlives the sink call.</summary>
internal sealed record RecordedRule(
    int Line, string Name, DomainScope Scope, Verdict Verdict, RuleAction Action, string LocalData, bool IsIp, IpPrefix Prefix)
{
    public static RecordedRule From(int line, ListRule rule) =>
        new(line, rule.Name.ToString(), rule.Scope, rule.Verdict, rule.Action, rule.LocalData.ToString(), rule.IsIp, rule.Prefix);

    public override string ToString() => IsIp
        ? $"{Line}: {Prefix} {Verdict} {Action}"
        : $"{Line}: {Name} {Scope} {Verdict} {Action} {LocalData}";
}
