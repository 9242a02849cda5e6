namespace PipShield.Blocklist.Parsing;

/// <summary>
/// One rule as a parser found it. Domain rules carry the raw name token (the compiler normalises and
/// validates it); IP rules carry an already parsed prefix. Only valid during <see cref="IRuleSink.OnRule"/>.
/// </summary>
public readonly ref struct ListRule
{
    /// <summary>A domain rule.</summary>
    /// <param name="name">The name as written, without wildcard or AdBlock syntax (<c>*.</c>, <c>||</c>, <c>^</c> stripped).</param>
    /// <param name="scope">Which names it covers.</param>
    /// <param name="verdict"><see cref="Verdict.Blocked"/> or <see cref="Verdict.Allowed"/>.</param>
    /// <param name="action">The rule's own action, or <see cref="RuleAction.Default"/> for the source's.</param>
    /// <param name="localData">For <see cref="RuleAction.LocalData"/>: one record as master-file text, e.g. <c>A 192.0.2.1</c>.</param>
    public ListRule(ReadOnlySpan<char> name, DomainScope scope, Verdict verdict,
        RuleAction action = RuleAction.Default, ReadOnlySpan<char> localData = default)
    {
        Name = name;
        Scope = scope;
        Verdict = verdict;
        Action = action;
        LocalData = localData;
        Prefix = default;
        IsIp = false;
    }

    /// <summary>An IP rule.</summary>
    public ListRule(IpPrefix prefix, Verdict verdict, RuleAction action = RuleAction.Default)
    {
        Name = default;
        Scope = default;
        Verdict = verdict;
        Action = action;
        LocalData = default;
        Prefix = prefix;
        IsIp = true;
    }

    /// <summary>True for an IP rule (<see cref="Prefix"/> is set), false for a domain rule (<see cref="Name"/> is set).</summary>
    public bool IsIp { get; }

    /// <summary>The raw domain token, not yet normalised.</summary>
    public ReadOnlySpan<char> Name { get; }

    /// <summary>Which names a domain rule covers.</summary>
    public DomainScope Scope { get; }

    /// <summary>The prefix of an IP rule.</summary>
    public IpPrefix Prefix { get; }

    /// <summary>Block or allow.</summary>
    public Verdict Verdict { get; }

    /// <summary>The rule's own action; <see cref="RuleAction.Default"/> defers to the source.</summary>
    public RuleAction Action { get; }

    /// <summary>One local-data record in master-file text (<c>A 192.0.2.1</c>), or empty.</summary>
    public ReadOnlySpan<char> LocalData { get; }
}
