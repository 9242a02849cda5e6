namespace PipShield.Blocklist.Parsing;

/// <summary>A rejected line: which source, which line (1-based), and what is wrong with it.</summary>
public sealed record ParseError(string Source, int Line, string Reason)
{
    /// <summary>The conventional <c>file:line: reason</c> form.</summary>
    public override string ToString() => $"{Source}:{Line}: {Reason}";
}
