namespace PipShield.Blocklist.Parsing;

/// <summary>
/// IP lists: one IPv4/IPv6 address or CIDR prefix per line. <c>#</c> and <c>;</c> start a comment anywhere;
/// columns after the first whitespace-separated token (scores, counts) are ignored.
/// </summary>
internal sealed class IpListParser : ILineParser
{
    public void ParseLine(ReadOnlySpan<char> line, int lineNumber, IRuleSink sink)
    {
        // Neither character can be part of an address, so a comment may start anywhere.
        int comment = line.IndexOfAny('#', ';');
        if (comment >= 0)
        {
            line = line[..comment];
        }

        ReadOnlySpan<char> token = ListSyntax.NextToken(ref line);
        if (token.IsEmpty)
        {
            return;
        }

        if (token.Contains('-'))
        {
            sink.OnError(lineNumber,
                $"{ListSyntax.Quote(token)} is an address range; ranges are not supported, write CIDR prefixes");
            return;
        }

        if (IpPrefix.TryParse(token, out IpPrefix prefix, out string? error))
        {
            sink.OnRule(lineNumber, new ListRule(prefix, Verdict.Blocked));
        }
        else
        {
            sink.OnError(lineNumber, error);
        }
    }

    public void Complete(IRuleSink sink)
    {
    }
}
