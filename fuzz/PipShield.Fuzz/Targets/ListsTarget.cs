using System.Net;
using System.Text;
using PipShield.Blocklist;
using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Names;
using PipShield.Blocklist.Parsing;

namespace PipShield.Fuzz.Targets;

/// <summary>
/// The <c>lists</c> target: the first byte picks the format (its value modulo 5: hosts, domains, adblock, rpz,
/// ip, in <see cref="ListFormat"/> order) and the rest is a list file, read as UTF-8 the way
/// <see cref="BlocklistCompiler.AddFile"/> reads one. The list is parsed, its format guessed, then compiled,
/// and the image opened with full verification and asked about the rules' names and addresses.
/// </summary>
/// <remarks>
/// Parsers never throw on content (<see cref="ListParser.Parse"/>), so no exception is expected. Beyond that:
/// sink calls come in line order with sane values, an image the compiler wrote always opens, and every name
/// and address an accepted rule covers gets a verdict from the image.
/// </remarks>
internal static class ListsTarget
{
    public const string Name = "lists";

    private static readonly DateTimeOffset BuildTime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static void Run(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        var format = (ListFormat)(data[0] % 5);
        byte[] text = data[1..].ToArray();

        var sink = new CheckingSink();
        using (StreamReader reader = OpenText(text))
        {
            ListParser.Parse(reader, format, sink);
        }

        GuessFormat(text);

        var compiler = new BlocklistCompiler(new CompilerOptions { BuildTime = BuildTime });
        SourceSummary summary;
        using (StreamReader reader = OpenText(text))
        {
            summary = compiler.AddSource(new SourceDescriptor("fuzz", "fuzz", format), reader);
        }

        byte[] bytes = compiler.ToArray();
        BlocklistImage image;
        try
        {
            image = BlocklistImage.FromBytes(bytes, ImageVerification.Full);
        }
        catch (InvalidBlocklistImageException ex)
        {
            throw new FuzzFindingException($"the compiler wrote an image the opener rejects: {ex.Message}");
        }

        using (image)
        {
            foreach (string name in sink.Names)
            {
                RuleMatch match = image.Match(name.AsSpan());
                if (match.Verdict != Verdict.None)
                {
                    _ = image.GetSource(match);
                    _ = image.GetLocalData(match);
                    _ = image.FormatRule(match, name.AsSpan());
                }
            }

            foreach ((string name, DomainScope scope) in sink.Normalized)
            {
                // Below a subdomains-only rule, or at the name itself for the others.
                string covered = scope == DomainScope.SubdomainsOnly ? "x." + name : name;
                FuzzFindingException.Check(summary.IsRejected || covered.Length > DomainName.MaxLength || image.Match(covered.AsSpan()).Verdict != Verdict.None,
                    $"a name covered by the accepted rule '{name}' ({scope}) gets a verdict");
            }

            foreach (IpPrefix prefix in sink.Prefixes)
            {
                IPAddress address = prefix.ToIPAddress();
                RuleMatch match = image.Match(address);
                FuzzFindingException.Check(summary.IsRejected || IsSpecial(prefix) || (match.Verdict != Verdict.None && match.PrefixLength >= prefix.Length),
                    $"an address covered by the IP rule {prefix} gets a verdict from that rule or a longer prefix");
                _ = BlocklistImage.FormatRule(match, address);
            }
        }
    }

    private static StreamReader OpenText(byte[] text) =>
        // A small buffer moves the reader's chunk boundaries to where the fuzzer can reach them.
        new(new MemoryStream(text, writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 128);

    private static void GuessFormat(byte[] text)
    {
        var lines = new List<string>();
        using StreamReader reader = OpenText(text);
        while (lines.Count < 200 && reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        _ = ListParser.DetectFormat(lines);
    }

    /// <summary>Loopback and unspecified rules are skipped by the compiler; IPv4-mapped IPv6 is looked up as IPv4.</summary>
    private static bool IsSpecial(IpPrefix prefix) => prefix.IsIPv6
        ? prefix.Address <= UInt128.One || prefix.Address >> 32 == 0xFFFF
        : prefix.Address >> 24 == 127 || prefix.Address == 0;

    /// <summary>Checks what <see cref="IRuleSink"/> promises and keeps a few names and prefixes to look up.</summary>
    private sealed class CheckingSink : IRuleSink
    {
        private const int Kept = 32;
        private int _lastLine;

        public List<string> Names { get; } = [];

        public List<(string Name, DomainScope Scope)> Normalized { get; } = [];

        public List<IpPrefix> Prefixes { get; } = [];

        public void OnRule(int lineNumber, ListRule rule)
        {
            Seen(lineNumber);
            FuzzFindingException.Check(rule.Verdict is Verdict.Blocked or Verdict.Allowed, "a rule blocks or allows");
            FuzzFindingException.Check(Enum.IsDefined(rule.Action), "a rule's action is defined");
            if (rule.IsIp)
            {
                IpPrefix prefix = rule.Prefix;
                FuzzFindingException.Check(prefix.Length <= prefix.Width && prefix.Contains(prefix.Address),
                    "an IP rule's prefix length fits its family and its address is the prefix start");
                if (Prefixes.Count < Kept)
                {
                    Prefixes.Add(prefix);
                }

                return;
            }

            FuzzFindingException.Check(Enum.IsDefined(rule.Scope), "a domain rule's scope is defined");
            if (Names.Count < Kept)
            {
                Names.Add(rule.Name.ToString());
            }

            // The names the compiler will accept, normalised the same way.
            Span<char> normalized = stackalloc char[DomainName.MaxLength];
            if (Normalized.Count < Kept
                && DomainName.TryNormalize(rule.Name, normalized, out int length, out _, allowSingleLabel: rule.Scope == DomainScope.SubdomainsOnly))
            {
                Normalized.Add((normalized[..length].ToString(), rule.Scope));
            }
        }

        public void OnError(int lineNumber, string reason)
        {
            Seen(lineNumber);
            FuzzFindingException.Check(!string.IsNullOrEmpty(reason), "an error says what is wrong");
        }

        public void OnSkipped(int lineNumber, SkipReason reason)
        {
            Seen(lineNumber);
            FuzzFindingException.Check(Enum.IsDefined(reason), "a skip reason is defined");
        }

        private void Seen(int lineNumber)
        {
            FuzzFindingException.Check(lineNumber >= 1 && lineNumber >= _lastLine, "lines are reported 1-based and in order");
            _lastLine = lineNumber;
        }
    }
}
