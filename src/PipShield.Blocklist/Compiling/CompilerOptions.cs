namespace PipShield.Blocklist.Compiling;

/// <summary>Limits the compiler applies to its input.</summary>
public sealed class CompilerOptions
{
    /// <summary>A source with more rejected lines than this is dropped as a whole. Default 10 000.</summary>
    public int MaxErrorsPerSource { get; set; } = 10_000;

    /// <summary>How many rejected lines each summary keeps for reporting. Default 1 000.</summary>
    public int MaxErrorsKept { get; set; } = 1_000;

    /// <summary>The build time written into the header. Default: now, unless SOURCE_DATE_EPOCH is set.</summary>
    public DateTimeOffset? BuildTime { get; set; }

    /// <summary>Receives progress every <see cref="ProgressInterval"/> lines. Default none.</summary>
    public IProgress<CompileProgress>? Progress { get; set; }

    /// <summary>Lines between progress reports. Default 250 000.</summary>
    public int ProgressInterval { get; set; } = 250_000;
}
