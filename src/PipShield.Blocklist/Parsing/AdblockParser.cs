namespace PipShield.Blocklist.Parsing;

/// <summary>
/// AdBlock-style DNS rules (AdGuard Home, uBlock Origin, HaGeZi): <c>||example.org^</c> blocks the name and its
/// subdomains, <c>@@||example.org^</c> allows them, <c>||*.example.org^</c> covers only the subdomains.
/// </summary>
/// <remarks>
/// Anything that cannot be expressed as a name rule is skipped, never approximated: <c>$</c> modifiers other than
/// <c>important</c>, paths, ports, cosmetic and HTML rules (<see cref="SkipReason.UnsupportedModifier"/>); regular
/// expressions, <c>|</c> URL anchors and globs inside a name (<see cref="SkipReason.UnsupportedSyntax"/>).
/// <c>$important</c> is accepted and dropped: the rule is kept with its normal priority. AdGuard's other DNS
/// syntaxes are read too: a bare <c>example.org</c> line blocks like <c>||example.org^</c>, and a hosts line
/// (<c>0.0.0.0 example.org</c>) is read as in a hosts file.
/// </remarks>
internal sealed class AdblockParser : ILineParser
{
    private readonly HostsParser _hosts = new();

    public void ParseLine(ReadOnlySpan<char> line, int lineNumber, IRuleSink sink)
    {
        line = ListSyntax.Trim(line);
        if (line.IsEmpty || line[0] == '!')
        {
            return;
        }

        if (line[0] == '[')
        {
            // "[Adblock Plus 2.0]" style header.
            if (line[^1] != ']')
            {
                sink.OnSkipped(lineNumber, SkipReason.UnsupportedSyntax);
            }

            return;
        }

        if (IsCosmetic(line))
        {
            sink.OnSkipped(lineNumber, SkipReason.UnsupportedModifier);
            return;
        }

        if (line[0] == '#')
        {
            // AdGuard allows '#' comments; "##selector" was caught above as cosmetic.
            return;
        }

        int space = ListSyntax.IndexOfSpace(line);
        if (space >= 0)
        {
            ParseLineWithSpace(line, space, lineNumber, sink);
            return;
        }

        Verdict verdict = Verdict.Blocked;
        ReadOnlySpan<char> rule = line;
        if (rule.StartsWith("@@"))
        {
            verdict = Verdict.Allowed;
            rule = rule[2..];
            if (rule.IsEmpty)
            {
                sink.OnError(lineNumber, "'@@' with no rule after it");
                return;
            }
        }

        if (rule[0] == '/')
        {
            // A regular expression (/ads[0-9]+\./) or a bare path; neither names a domain.
            sink.OnSkipped(lineNumber, SkipReason.UnsupportedSyntax);
            return;
        }

        int dollar = rule.IndexOf('$');
        if (dollar >= 0)
        {
            ModifierCheck check = CheckModifiers(rule[(dollar + 1)..]);
            if (check == ModifierCheck.Empty)
            {
                sink.OnError(lineNumber, $"{ListSyntax.Quote(line)} has an empty modifier after '$'");
                return;
            }

            if (check == ModifierCheck.Unsupported)
            {
                sink.OnSkipped(lineNumber, SkipReason.UnsupportedModifier);
                return;
            }

            rule = rule[..dollar];
        }

        ParsePattern(rule, line, verdict, lineNumber, sink);
    }

    public void Complete(IRuleSink sink)
    {
    }

    /// <remarks><c>||example.org</c> without the closing <c>^</c> is read as <c>||example.org^</c>. AdBlock engines would
    /// also match hosts that merely start with that text (<c>example.org.example.net</c>); the name rule is the narrower
    /// reading, and lists use the two forms interchangeably.</remarks>
    private static void ParsePattern(ReadOnlySpan<char> pattern, ReadOnlySpan<char> line, Verdict verdict,
        int lineNumber, IRuleSink sink)
    {
        bool anchored = pattern.StartsWith("||");
        if (anchored)
        {
            pattern = pattern[2..];
            if (pattern.EndsWith("^|"))
            {
                pattern = pattern[..^2];
            }
            else if (pattern.EndsWith('^'))
            {
                pattern = pattern[..^1];
            }
        }
        else if (!pattern.IsEmpty && pattern[0] == '|')
        {
            // "|example.org^" anchors a URL start, not a host name.
            sink.OnSkipped(lineNumber, SkipReason.UnsupportedSyntax);
            return;
        }

        DomainScope scope = DomainScope.NameAndSubdomains;
        if (pattern.StartsWith("*."))
        {
            pattern = pattern[2..];
            scope = DomainScope.SubdomainsOnly;
        }

        if (pattern.IsEmpty)
        {
            sink.OnError(lineNumber, $"{ListSyntax.Quote(line)} has no domain name");
            return;
        }

        int special = ListSyntax.IndexOfNonHostChar(pattern);
        if (special >= 0)
        {
            if (char.IsControl(pattern[special]))
            {
                sink.OnError(lineNumber, $"{ListSyntax.Quote(line)} contains a control character");
            }
            else
            {
                // '/' is a path and ':' a port: URL parts DNS never sees. Anything else ('*', '^', '|', '?'…)
                // is URL-pattern syntax that cannot be turned into a name rule without changing its meaning.
                sink.OnSkipped(lineNumber, pattern.IndexOfAny('/', ':') >= 0
                    ? SkipReason.UnsupportedModifier
                    : SkipReason.UnsupportedSyntax);
            }

            return;
        }

        sink.OnRule(lineNumber, new ListRule(pattern, scope, verdict));
    }

    /// <summary>A line with whitespace is either AdGuard's hosts syntax or a mistake.</summary>
    private void ParseLineWithSpace(ReadOnlySpan<char> line, int space, int lineNumber, IRuleSink sink)
    {
        if (ListSyntax.IsIpAddress(line[..space]))
        {
            _hosts.ParseLine(line, lineNumber, sink);
            return;
        }

        sink.OnError(lineNumber, $"{ListSyntax.Quote(line)} contains {ListSyntax.DescribeSpace(line[space])}");
    }

    /// <summary>
    /// Element hiding (<c>##</c>, <c>#@#</c>, <c>#?#</c>, <c>#$#</c>, <c>#%#</c> and their exceptions) and HTML
    /// filtering (<c>$$</c>, <c>$@$</c>) rules. A '#' line of only '#' characters is a comment banner.
    /// </summary>
    private static bool IsCosmetic(ReadOnlySpan<char> line)
    {
        int hash = line.IndexOf('#');
        while (hash >= 0 && hash + 1 < line.Length)
        {
            char next = line[hash + 1];
            if (next is '@' or '?' or '$' or '%')
            {
                return true;
            }

            if (next == '#')
            {
                // "##.ad" is cosmetic; "#####" and "## heading" are comment banners.
                int after = hash + 2;
                return after < line.Length && line[after] != '#' && !ListSyntax.IsSpace(line[after]);
            }

            int following = line[(hash + 1)..].IndexOf('#');
            hash = following < 0 ? -1 : hash + 1 + following;
        }

        return line.Contains("$$", StringComparison.Ordinal) || line.Contains("$@$", StringComparison.Ordinal);
    }

    private static ModifierCheck CheckModifiers(ReadOnlySpan<char> modifiers)
    {
        if (ListSyntax.Trim(modifiers).IsEmpty)
        {
            return ModifierCheck.Empty;
        }

        foreach (Range range in modifiers.Split(','))
        {
            ReadOnlySpan<char> modifier = ListSyntax.Trim(modifiers[range]);
            if (modifier.IsEmpty)
            {
                return ModifierCheck.Empty;
            }

            // Only "important" leaves the rule's meaning for DNS intact. Everything else ($third-party, $domain=,
            // $dnstype=, $client=, $denyallow=, $ctag=, $badfilter, $dnsrewrite=…) narrows or changes it.
            if (!modifier.Equals("important", StringComparison.OrdinalIgnoreCase))
            {
                return ModifierCheck.Unsupported;
            }
        }

        return ModifierCheck.Supported;
    }

    private enum ModifierCheck : byte
    {
        Supported,
        Unsupported,
        Empty,
    }
}
