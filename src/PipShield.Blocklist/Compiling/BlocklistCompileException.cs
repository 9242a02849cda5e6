namespace PipShield.Blocklist.Compiling;

/// <summary>The compiler could not produce an image from its input (not thrown for bad lines, which are counted).</summary>
public sealed class BlocklistCompileException(string message) : Exception(message);
