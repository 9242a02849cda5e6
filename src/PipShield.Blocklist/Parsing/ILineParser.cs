namespace PipShield.Blocklist.Parsing;

/// <summary>
/// One list format's line grammar. <see cref="ListParser"/> owns the reading (buffers, line splitting,
/// CR and BOM trimming, the line-length cap) and feeds each physical line here.
/// </summary>
/// <remarks>Implementations never throw on line content, whatever characters it holds.</remarks>
internal interface ILineParser
{
    /// <summary>Parses one physical line, without its line terminator.</summary>
    void ParseLine(ReadOnlySpan<char> line, int lineNumber, IRuleSink sink);

    /// <summary>Called once after the last line, for formats with state across lines (RPZ parentheses).</summary>
    void Complete(IRuleSink sink);
}
