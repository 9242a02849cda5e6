using PipShield.Blocklist;
using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Parsing;

namespace PipShield.Fuzz.Seeds;

/// <summary>
/// Seeds for the <c>image</c> target: small images the compiler writes from the list seeds. Their names start
/// with <c>valid-</c>; a test checks that they still open with full verification, so a format change that
/// leaves them stale shows up.
/// </summary>
internal static class ImageSeeds
{
    private static readonly DateTimeOffset BuildTime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static IEnumerable<(string Name, byte[] Bytes)> All()
    {
        yield return ("valid-domains.image", Compile(("phishing", ListSeeds.Domains, ListFormat.Domains, RuleAction.Default, false)));
        yield return ("valid-ip.image", Compile(("c2", ListSeeds.Ip, ListFormat.Ip, RuleAction.Refused, false)));
        yield return ("valid-mixed.image", Compile(
            ("scam", ListSeeds.Rpz, ListFormat.Rpz, RuleAction.Default, false),
            ("malware", ListSeeds.Hosts, ListFormat.Hosts, RuleAction.NxDomain, false),
            ("threats", ListSeeds.Adblock, ListFormat.Adblock, RuleAction.Default, false),
            ("c2", ListSeeds.Ip, ListFormat.Ip, RuleAction.Drop, false),
            ("allow", "www.example.org\nok.phish.example.net\n", ListFormat.Domains, RuleAction.Default, true)));
    }

    private static byte[] Compile(params (string Name, string Text, ListFormat Format, RuleAction Action, bool Allow)[] sources)
    {
        var compiler = new BlocklistCompiler(new CompilerOptions { BuildTime = BuildTime });
        foreach (var (name, text, format, action, allow) in sources)
        {
            compiler.AddSource(new SourceDescriptor(name, allow ? "custom" : name, format, action, allow), new StringReader(text));
        }

        return compiler.ToArray();
    }
}
