namespace PipShield.Blocklist.Parsing;

/// <summary>
/// hosts-file syntax: <c>address name [name…] [# comment]</c>. Every name becomes a block rule for the name and
/// its subdomains, whatever the address (<c>0.0.0.0</c>, <c>127.0.0.1</c>, <c>::</c> or any other).
/// </summary>
internal sealed class HostsParser : ILineParser
{
    /// <summary>Names every stock hosts file maps to loopback; they are not blocklist entries.</summary>
    private static readonly string[] LocalNames =
    [
        "localhost",
        "localhost.localdomain",
        "local",
        "broadcasthost",
        "ip6-localhost",
        "ip6-loopback",
        "ip6-localnet",
        "ip6-mcastprefix",
        "ip6-allnodes",
        "ip6-allrouters",
        "ip6-allhosts",
        "0.0.0.0",
    ];

    public void ParseLine(ReadOnlySpan<char> line, int lineNumber, IRuleSink sink)
    {
        // hosts(5): '#' starts a comment wherever it appears.
        int hash = line.IndexOf('#');
        if (hash >= 0)
        {
            line = line[..hash];
        }

        ReadOnlySpan<char> rest = line;
        ReadOnlySpan<char> address = ListSyntax.NextToken(ref rest);
        if (address.IsEmpty)
        {
            return;
        }

        if (!ListSyntax.IsIpAddress(address))
        {
            sink.OnError(lineNumber, $"{ListSyntax.Quote(address)} is not an IP address; a hosts line starts with one");
            return;
        }

        bool anyName = false;
        while (true)
        {
            ReadOnlySpan<char> name = ListSyntax.NextToken(ref rest);
            if (name.IsEmpty)
            {
                break;
            }

            anyName = true;
            if (IsLocalName(name))
            {
                sink.OnSkipped(lineNumber, SkipReason.LocalHostEntry);
            }
            else
            {
                sink.OnRule(lineNumber, new ListRule(name, DomainScope.NameAndSubdomains, Verdict.Blocked));
            }
        }

        if (!anyName)
        {
            sink.OnError(lineNumber, "no host name after address");
        }
    }

    public void Complete(IRuleSink sink)
    {
    }

    internal static bool IsLocalName(ReadOnlySpan<char> name)
    {
        if (name.Length > 1 && name[^1] == '.')
        {
            name = name[..^1];
        }

        // Every local name starts with 'l', 'b', 'i' or '0': most names leave here without a comparison.
        char first = (char)(name.IsEmpty ? 0 : name[0] | 0x20);
        if (first is not 'l' and not 'b' and not 'i' and not '0')
        {
            return false;
        }

        foreach (string local in LocalNames)
        {
            if (name.Equals(local, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
