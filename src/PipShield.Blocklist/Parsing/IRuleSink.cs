namespace PipShield.Blocklist.Parsing;

/// <summary>
/// Receives what a list parser finds, line by line. Parsers never throw on bad input: each line ends in
/// exactly one call per rule it holds (a hosts line may hold several), one <see cref="OnError"/>, one
/// <see cref="OnSkipped"/>, or nothing (blank lines and comments).
/// </summary>
public interface IRuleSink
{
    /// <summary>A rule. Its spans are only valid during the call.</summary>
    void OnRule(int lineNumber, ListRule rule);

    /// <summary>A line that is malformed; <paramref name="reason"/> says what is wrong, without the line number.</summary>
    void OnError(int lineNumber, string reason);

    /// <summary>A well-formed line that deliberately produces no rule.</summary>
    void OnSkipped(int lineNumber, SkipReason reason);
}
