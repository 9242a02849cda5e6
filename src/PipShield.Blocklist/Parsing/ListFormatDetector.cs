namespace PipShield.Blocklist.Parsing;

/// <summary>
/// Guesses a list's format from its first lines. Header lines decide at once (<c>[Adblock Plus]</c>,
/// <c>$TTL</c>, <c>$ORIGIN</c>); otherwise each data line votes and a format must win two thirds of them.
/// </summary>
internal static class ListFormatDetector
{
    private const int MaxLinesExamined = 100;

    /// <summary>RR types that mark a master-file record: a name followed by one of these is an RPZ line.</summary>
    private static readonly string[] RecordTypes = ["CNAME", "SOA", "NS", "A", "AAAA", "TXT"];

    public static ListFormat? Detect(IReadOnlyList<string> lines)
    {
        Span<int> votes = stackalloc int[(int)ListFormat.Ip + 1];
        int examined = 0;
        for (int i = 0; i < lines.Count && examined < MaxLinesExamined; i++)
        {
            ReadOnlySpan<char> line = ListSyntax.Trim((lines[i] ?? string.Empty).AsSpan().TrimStart('\uFEFF'));
            if (line.IsEmpty)
            {
                continue;
            }

            if (line.StartsWith("[Adblock", StringComparison.OrdinalIgnoreCase)
                || line.StartsWith("[AdGuard", StringComparison.OrdinalIgnoreCase)
                || line.StartsWith("[uBlock", StringComparison.OrdinalIgnoreCase))
            {
                return ListFormat.Adblock;
            }

            if (IsDirective(line, "$TTL") || IsDirective(line, "$ORIGIN"))
            {
                return ListFormat.Rpz;
            }

            if (line[0] is '!' or ';' || (line[0] == '#' && !line.StartsWith("##")))
            {
                continue;
            }

            examined++;
            if (Classify(line) is { } format)
            {
                votes[(int)format]++;
            }
        }

        if (votes[(int)ListFormat.Adblock] > 0)
        {
            // AdGuard lists mix "||name^" rules with bare names and hosts lines; all of them are AdBlock syntax.
            votes[(int)ListFormat.Adblock] += votes[(int)ListFormat.Domains] + votes[(int)ListFormat.Hosts];
            votes[(int)ListFormat.Domains] = 0;
            votes[(int)ListFormat.Hosts] = 0;
        }

        int best = 0;
        for (int format = 1; format < votes.Length; format++)
        {
            if (votes[format] > votes[best])
            {
                best = format;
            }
        }

        return examined > 0 && votes[best] * 3 >= examined * 2 ? (ListFormat)best : null;
    }

    private static ListFormat? Classify(ReadOnlySpan<char> line)
    {
        if (line.StartsWith("||") || line.StartsWith("@@") || line[0] == '|' || line.Contains("##", StringComparison.Ordinal)
            || line.EndsWith('^') || (line.Contains('$') && ListSyntax.IndexOfSpace(line) < 0))
        {
            return ListFormat.Adblock;
        }

        int comment = line.IndexOfAny('#', ';');
        ReadOnlySpan<char> rest = comment >= 0 ? line[..comment] : line;
        ReadOnlySpan<char> first = ListSyntax.NextToken(ref rest);
        ReadOnlySpan<char> second = ListSyntax.NextToken(ref rest);
        if (first.IsEmpty)
        {
            return null;
        }

        if (ListSyntax.IsIpAddress(first))
        {
            // "192.0.2.1 42" (an IP list with a score column) is not a hosts line.
            return second.IsEmpty || !second.ContainsAnyExceptInRange('0', '9') ? ListFormat.Ip : ListFormat.Hosts;
        }

        if (IsPrefixOrRange(first))
        {
            return ListFormat.Ip;
        }

        if (!second.IsEmpty)
        {
            ReadOnlySpan<char> third = ListSyntax.NextToken(ref rest);
            ReadOnlySpan<char> fourth = ListSyntax.NextToken(ref rest);
            return IsRecordType(second) || IsRecordType(third) || IsRecordType(fourth) ? ListFormat.Rpz : null;
        }

        ReadOnlySpan<char> name = first.StartsWith("*.") ? first[2..] : first;
        return name.Contains('.') && ListSyntax.IndexOfNonHostChar(name) < 0 ? ListFormat.Domains : null;
    }

    private static bool IsPrefixOrRange(ReadOnlySpan<char> token)
    {
        if (token.Contains('/'))
        {
            return IpPrefix.TryParse(token, out _, out _);
        }

        int dash = token.IndexOf('-');
        return dash > 0 && ListSyntax.IsIpAddress(token[..dash]) && ListSyntax.IsIpAddress(token[(dash + 1)..]);
    }

    private static bool IsRecordType(ReadOnlySpan<char> token)
    {
        foreach (string type in RecordTypes)
        {
            if (token.Equals(type, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsDirective(ReadOnlySpan<char> line, string directive) =>
        line.StartsWith(directive, StringComparison.OrdinalIgnoreCase)
        && (line.Length == directive.Length || ListSyntax.IsSpace(line[directive.Length]));
}
