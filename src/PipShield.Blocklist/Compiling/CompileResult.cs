namespace PipShield.Blocklist.Compiling;

/// <summary>Counts for a written image.</summary>
public sealed class CompileResult
{
    /// <summary>Per-source summaries, in the order the sources were added.</summary>
    public required IReadOnlyList<SourceSummary> Sources { get; init; }

    /// <summary>Names stored in the suffix table.</summary>
    public required int DomainNodes { get; init; }

    /// <summary>Domain rules accepted across sources.</summary>
    public required int DomainRules { get; init; }

    /// <summary>IP rules accepted across sources.</summary>
    public required int IpRules { get; init; }

    /// <summary>Names dropped because a listed parent gives the same answer.</summary>
    public required int Redundant { get; init; }

    /// <summary>Bytes written.</summary>
    public required long ImageBytes { get; init; }
}
