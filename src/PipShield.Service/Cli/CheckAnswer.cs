using PipShield.Blocklist;

namespace PipShield.Service.Cli;

/// <summary>What <c>check</c> found for one input; <see cref="Rule"/> may point into a buffer reused by the next lookup.</summary>
internal readonly ref struct CheckAnswer(Verdict verdict, ReadOnlySpan<char> rule, int sourceIndex)
{
    /// <summary>No rule matched, or the input was not a name or address.</summary>
    public static CheckAnswer None => new(Verdict.None, default, -1);

    public Verdict Verdict { get; } = verdict;

    /// <summary>The rule as a list would write it (<c>example.org</c>, <c>*.example.org</c>, <c>192.0.2.0/24</c>); empty for none.</summary>
    public ReadOnlySpan<char> Rule { get; } = rule;

    /// <summary>Index into the image's sources; -1 for none.</summary>
    public int SourceIndex { get; } = sourceIndex;
}
