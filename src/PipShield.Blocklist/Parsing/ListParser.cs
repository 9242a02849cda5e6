namespace PipShield.Blocklist.Parsing;

/// <summary>
/// Entry point for reading block and allow lists: parses a source in one of the <see cref="ListFormat"/>s,
/// guesses the format from a sample, and maps format names used in configuration.
/// </summary>
public static class ListParser
{
    /// <summary>
    /// Lines longer than this many characters (terminator excluded) are reported through
    /// <see cref="IRuleSink.OnError"/> and skipped; parsing continues with the next line.
    /// </summary>
    public const int MaxLineLength = 65_536;

    /// <summary>
    /// Reads <paramref name="reader"/> to its end and reports every line to <paramref name="sink"/>, in line order
    /// (an RPZ record spanning lines in parentheses is reported with its first line, once it is complete).
    /// </summary>
    /// <remarks>
    /// Never throws because of the content: malformed lines go to <see cref="IRuleSink.OnError"/> and parsing
    /// goes on. Lines end at LF; a CR before it, a byte-order mark at a line start and a missing final newline
    /// are all accepted. Line numbers are 1-based physical lines. Completes synchronously; exceptions thrown by
    /// <paramref name="reader"/> itself (I/O) propagate. The reader is not disposed.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="format"/> is not a defined value.</exception>
    public static void Parse(TextReader reader, ListFormat format, IRuleSink sink)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sink);
        ILineParser parser = CreateLineParser(format);
        ListLineReader.ReadLines(reader, parser, sink);
        parser.Complete(sink);
    }

    /// <summary>
    /// Guesses the format from the first lines of a source (comments and blank lines are passed over; about the
    /// first 100 other lines are looked at).
    /// </summary>
    /// <returns>The format, or null when the sample is empty, mixed or unlike any format.</returns>
    public static ListFormat? DetectFormat(IReadOnlyList<string> sampleLines)
    {
        ArgumentNullException.ThrowIfNull(sampleLines);
        return ListFormatDetector.Detect(sampleLines);
    }

    /// <summary>Maps a configuration name, <c>hosts</c>, <c>domains</c>, <c>adblock</c>, <c>rpz</c> or <c>ip</c>
    /// (case-insensitive, surrounding whitespace ignored), to its format.</summary>
    /// <returns>False for any other text, including null and numbers.</returns>
    public static bool TryParseFormatName(string? text, out ListFormat format)
    {
        ReadOnlySpan<char> name = text.AsSpan().Trim();
        if (name.Equals("hosts", StringComparison.OrdinalIgnoreCase))
        {
            format = ListFormat.Hosts;
            return true;
        }

        if (name.Equals("domains", StringComparison.OrdinalIgnoreCase))
        {
            format = ListFormat.Domains;
            return true;
        }

        if (name.Equals("adblock", StringComparison.OrdinalIgnoreCase))
        {
            format = ListFormat.Adblock;
            return true;
        }

        if (name.Equals("rpz", StringComparison.OrdinalIgnoreCase))
        {
            format = ListFormat.Rpz;
            return true;
        }

        if (name.Equals("ip", StringComparison.OrdinalIgnoreCase))
        {
            format = ListFormat.Ip;
            return true;
        }

        format = default;
        return false;
    }

    internal static ILineParser CreateLineParser(ListFormat format) => format switch
    {
        ListFormat.Hosts => new HostsParser(),
        ListFormat.Domains => new DomainListParser(),
        ListFormat.Adblock => new AdblockParser(),
        ListFormat.Rpz => new RpzParser(),
        ListFormat.Ip => new IpListParser(),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown list format."),
    };
}
