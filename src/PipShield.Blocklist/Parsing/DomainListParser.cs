namespace PipShield.Blocklist.Parsing;

/// <summary>
/// Plain domain lists: one name per line. <c>#</c> and <c>!</c> start a comment at the line start or after
/// whitespace. <c>example.org</c> covers the name and its subdomains; <c>*.example.org</c> only the subdomains.
/// </summary>
/// <remarks>
/// A leading dot (<c>.example.org</c>, the squid/Privoxy convention) means "the domain and everything below it"
/// there, which is what a plain name already means here, so it is read as <see cref="DomainScope.NameAndSubdomains"/>.
/// Reading it as <c>*.</c> would silently leave the domain itself unblocked.
/// </remarks>
internal sealed class DomainListParser : ILineParser
{
    public void ParseLine(ReadOnlySpan<char> line, int lineNumber, IRuleSink sink)
    {
        line = ListSyntax.CutCommentAfterSpace(line, '#');
        line = ListSyntax.CutCommentAfterSpace(line, '!');
        line = ListSyntax.Trim(line);
        if (line.IsEmpty)
        {
            return;
        }

        int space = ListSyntax.IndexOfSpace(line);
        if (space >= 0)
        {
            sink.OnError(lineNumber,
                $"{ListSyntax.Quote(line)} contains {ListSyntax.DescribeSpace(line[space])}; expected one name per line");
            return;
        }

        ReadOnlySpan<char> name = line;
        DomainScope scope = DomainScope.NameAndSubdomains;
        if (name.StartsWith("*."))
        {
            name = name[2..];
            scope = DomainScope.SubdomainsOnly;
        }
        else if (name.Length > 1 && name[0] == '.')
        {
            name = name[1..];
        }

        if (name.IsEmpty || name is ".")
        {
            sink.OnError(lineNumber, $"{ListSyntax.Quote(line)} has no name");
            return;
        }

        if (name.Contains('*'))
        {
            sink.OnError(lineNumber, $"{ListSyntax.Quote(line)} has a '*' that is not a leading '*.' label");
            return;
        }

        sink.OnRule(lineNumber, new ListRule(name, scope, Verdict.Blocked));
    }

    public void Complete(IRuleSink sink)
    {
    }
}
