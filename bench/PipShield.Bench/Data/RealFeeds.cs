using PipShield.Blocklist.Names;
using PipShield.Blocklist.Parsing;

namespace PipShield.Bench.Data;

/// <summary>
/// The real domain feeds of shared/data (see its README) and the Umbrella top 100k. Every rule in these four
/// feeds blocks the name and all its subdomains (RPZ: each apex comes with its <c>*.</c> wildcard), so the
/// union of their names is the exact rule set for the baselines.
/// </summary>
internal sealed class RealFeeds
{
    public static readonly (string File, ListFormat Format, string Category)[] DomainFeeds =
    [
        ("blocklistproject-phishing.domains.txt", ListFormat.Domains, "phishing"),
        ("hagezi-tif.mini.adblock.txt", ListFormat.Adblock, "threat-intel"),
        ("shadowwhisperer-malware.hosts.txt", ListFormat.Hosts, "malware"),
        ("hagezi-fake.rpz.txt", ListFormat.Rpz, "scam"),
    ];

    private RealFeeds(string directory, string[] listed, string[] umbrella)
    {
        Directory = directory;
        Listed = listed;
        Umbrella = umbrella;
    }

    public string Directory { get; }

    /// <summary>Union of the names of the four domain feeds, normalised, without duplicates, in file order.</summary>
    public string[] Listed { get; }

    /// <summary>Umbrella top-100k names in rank order (not yet filtered against the lists).</summary>
    public string[] Umbrella { get; }

    public string FilePath(string file) => Path.Combine(Directory, file);

    public static RealFeeds? TryLoad()
    {
        if (DataLocator.DataDirectory is not { } dir)
        {
            return null;
        }

        var seen = new HashSet<string>(400_000, StringComparer.Ordinal);
        var listed = new List<string>(400_000);
        Span<char> buffer = stackalloc char[DomainName.MaxLength];
        foreach ((string file, ListFormat format, _) in DomainFeeds)
        {
            foreach (string line in File.ReadLines(Path.Combine(dir, file)))
            {
                if (ExtractName(line, format) is not { } raw)
                {
                    continue;
                }

                if (!DomainName.TryNormalize(raw, buffer, out int length, out _))
                {
                    throw new InvalidDataException($"{file}: unexpected invalid name '{raw}'");
                }

                var name = new string(buffer[..length]);
                if (seen.Add(name))
                {
                    listed.Add(name);
                }
            }
        }

        var umbrella = new List<string>(100_000);
        foreach (string line in File.ReadLines(Path.Combine(dir, DataLocator.UmbrellaFile)))
        {
            int comma = line.IndexOf(',');
            string name = line[(comma + 1)..].Trim().ToLowerInvariant().TrimEnd('.');
            if (name.Length > 0)
            {
                umbrella.Add(name);
            }
        }

        return new RealFeeds(dir, [.. listed], [.. umbrella]);
    }

    /// <summary>The file contents, to compile without disk I/O.</summary>
    public (string File, ListFormat Format, string Category, string Text)[] ReadTexts()
    {
        var texts = new (string, ListFormat, string, string)[DomainFeeds.Length];
        for (int i = 0; i < DomainFeeds.Length; i++)
        {
            (string file, ListFormat format, string category) = DomainFeeds[i];
            texts[i] = (file, format, category, File.ReadAllText(FilePath(file)));
        }

        return texts;
    }

    private static string? ExtractName(string line, ListFormat format)
    {
        ReadOnlySpan<char> s = line.AsSpan().Trim();
        if (s.IsEmpty)
        {
            return null;
        }

        switch (format)
        {
            case ListFormat.Domains:
                return s[0] == '#' ? null : s.ToString();
            case ListFormat.Hosts:
                if (s[0] == '#')
                {
                    return null;
                }

                int space = s.IndexOfAny(' ', '\t');
                return space < 0 ? null : s[(space + 1)..].Trim().ToString();
            case ListFormat.Adblock:
                return s.StartsWith("||") && s.EndsWith("^") ? s[2..^1].ToString() : null;
            case ListFormat.Rpz:
                if (s[0] is ';' or '$' or '@' || char.IsWhiteSpace(line[0]))
                {
                    return null;
                }

                int end = s.IndexOfAny(' ', '\t');
                ReadOnlySpan<char> owner = end < 0 ? s : s[..end];
                return owner.StartsWith("*.") ? owner[2..].ToString() : owner.ToString();
            default:
                return null;
        }
    }
}
