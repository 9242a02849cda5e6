namespace PipShield.Blocklist.Parsing;

/// <summary>The syntax a list source is written in.</summary>
public enum ListFormat : byte
{
    /// <summary>hosts file: <c>0.0.0.0 a.example b.example # comment</c>.</summary>
    Hosts = 0,

    /// <summary>One domain per line, <c>*.example.org</c> wildcards allowed.</summary>
    Domains = 1,

    /// <summary>AdBlock DNS rules: <c>||example.org^</c>, <c>@@||example.org^</c>.</summary>
    Adblock = 2,

    /// <summary>Response Policy Zone in master-file syntax.</summary>
    Rpz = 3,

    /// <summary>IPv4/IPv6 addresses and CIDR prefixes, one per line.</summary>
    Ip = 4,
}
