namespace PipShield.Blocklist.Compiling;

/// <summary>A progress report from a long compile.</summary>
/// <param name="Source">The source being read.</param>
/// <param name="Lines">Lines of it read so far.</param>
/// <param name="TotalRules">Rules taken from all sources so far.</param>
public readonly record struct CompileProgress(string Source, int Lines, int TotalRules);
