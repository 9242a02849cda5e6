using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Parsing;

/// <summary>Counts what a parser reports on a large feed, keeping only the first few errors for messages.</summary>
internal sealed class CountingSink : IRuleSink
{
    private const int KeptErrors = 5;

    public int Rules { get; private set; }

    public int Errors { get; private set; }

    public int Skips { get; private set; }

    public int LastLine { get; private set; }

    public Dictionary<DomainScope, int> DomainRulesByScope { get; } = [];

    public Dictionary<RuleAction, int> RulesByAction { get; } = [];

    public Dictionary<Verdict, int> RulesByVerdict { get; } = [];

    public Dictionary<SkipReason, int> SkipsByReason { get; } = [];

    /// <summary>IP rules by prefix length.</summary>
    public Dictionary<int, int> IpRulesByLength { get; } = [];

    public List<string> FirstErrors { get; } = [];

    public static CountingSink ParseFile(string path, ListFormat format)
    {
        var sink = new CountingSink();
        using var reader = new StreamReader(path);
        ListParser.Parse(reader, format, sink);
        return sink;
    }

    public void OnRule(int lineNumber, ListRule rule)
    {
        Track(lineNumber);
        Rules++;
        Increment(RulesByAction, rule.Action);
        Increment(RulesByVerdict, rule.Verdict);
        if (rule.IsIp)
        {
            Increment(IpRulesByLength, rule.Prefix.Length);
        }
        else
        {
            Assert.False(rule.Name.IsEmpty, $"line {lineNumber}: empty rule name");
            Increment(DomainRulesByScope, rule.Scope);
        }
    }

    public void OnError(int lineNumber, string reason)
    {
        Track(lineNumber);
        Errors++;
        if (FirstErrors.Count < KeptErrors)
        {
            FirstErrors.Add($"line {lineNumber}: {reason}");
        }
    }

    public void OnSkipped(int lineNumber, SkipReason reason)
    {
        Track(lineNumber);
        Skips++;
        Increment(SkipsByReason, reason);
    }

    private static void Increment<TKey>(Dictionary<TKey, int> counts, TKey key)
        where TKey : notnull => counts[key] = counts.GetValueOrDefault(key) + 1;

    private void Track(int lineNumber)
    {
        Assert.True(lineNumber >= LastLine, $"line {lineNumber} reported after line {LastLine}");
        LastLine = lineNumber;
    }
}
