namespace PipShield.Blocklist.Lookup;

/// <summary>
/// The answer of a lookup: verdict, and which rule gave it. An 8-byte value; <see cref="Verdict.None"/>
/// means no rule matched and the other fields are zero.
/// </summary>
public readonly struct RuleMatch
{
    private readonly ushort _class;
    private readonly byte _position;

    internal RuleMatch(Verdict verdict, RuleAction action, DomainScope scope, ushort ruleClass, ushort source, byte position, bool isIp)
    {
        Verdict = verdict;
        Action = action;
        Scope = scope;
        _class = ruleClass;
        SourceIndex = source;
        _position = position;
        IsIp = isIp;
    }

    /// <summary>No rule matched.</summary>
    public static RuleMatch None => default;

    /// <summary>Blocked, allowed, or none.</summary>
    public Verdict Verdict { get; }

    /// <summary>The rule's action (<see cref="RuleAction.Default"/>: the category decides).</summary>
    public RuleAction Action { get; }

    /// <summary>The scope of the matched domain rule.</summary>
    public DomainScope Scope { get; }

    /// <summary>Index into <see cref="BlocklistImage.Sources"/>.</summary>
    public ushort SourceIndex { get; }

    /// <summary>True when an IP rule matched.</summary>
    public bool IsIp { get; }

    /// <summary>For a domain match: the byte offset in the looked-up wire name where the rule's name starts.</summary>
    public int NameOffset => IsIp ? 0 : _position;

    /// <summary>For an IP match: the length of the matched prefix.</summary>
    public int PrefixLength => IsIp ? _position : 0;

    internal ushort RuleClass => _class;
}
