using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Compiling;

/// <summary>What the compiler made of one source.</summary>
public sealed class SourceSummary
{
    internal SourceSummary(SourceDescriptor descriptor, ListFormat format)
    {
        Descriptor = descriptor;
        Format = format;
    }

    /// <summary>The source as it was given.</summary>
    public SourceDescriptor Descriptor { get; }

    /// <summary>The format used (given or detected).</summary>
    public ListFormat Format { get; }

    /// <summary>Lines read.</summary>
    public int Lines { get; internal set; }

    /// <summary>Rules that took effect in the image (before redundant children were dropped).</summary>
    public int Accepted { get; internal set; }

    /// <summary>Rules already present with the same or a stronger verdict, in this source or an earlier one.</summary>
    public int Duplicates { get; internal set; }

    /// <summary>Lines rejected as malformed; see <see cref="Errors"/>.</summary>
    public int Rejected { get; internal set; }

    /// <summary>Well-formed lines that produce no rule (localhost entries, unsupported modifiers or triggers).</summary>
    public int Skipped => SkippedByReason.Sum();

    /// <summary>Skips by <see cref="SkipReason"/> (index = enum value).</summary>
    public int[] SkippedByReason { get; } = new int[Enum.GetValues<SkipReason>().Length];

    /// <summary>Accepted rules dropped because a listed parent already gives the same answer.</summary>
    public int Redundant { get; internal set; }

    /// <summary>The first rejected lines (at most <see cref="CompilerOptions.MaxErrorsKept"/>).</summary>
    public List<ParseError> Errors { get; } = [];

    /// <summary>True when the source had more errors than <see cref="CompilerOptions.MaxErrorsPerSource"/>
    /// and none of its rules were taken.</summary>
    public bool IsRejected { get; internal set; }
}
