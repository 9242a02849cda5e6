using System.Diagnostics;
using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Compiling;

/// <summary>
/// The real public feeds in shared/data, compiled together. The expectations come from reading the files
/// with the simplest code that works for each (not from PipShield's parsers), so the two check each other.
/// </summary>
public sealed class RealFeedTests
{
    private static readonly (string File, ListFormat Format, string Category)[] Feeds =
    [
        ("shadowwhisperer-malware.hosts.txt", ListFormat.Hosts, "malware"),
        ("blocklistproject-phishing.domains.txt", ListFormat.Domains, "phishing"),
        ("hagezi-tif.mini.adblock.txt", ListFormat.Adblock, "malware"),
        ("hagezi-fake.rpz.txt", ListFormat.Rpz, "scam"),
        ("blocklistproject-malware.ip.txt", ListFormat.Ip, "malware"),
    ];

    private static (HashSet<string> Whole, HashSet<string> Exact, HashSet<string> Below) ReferenceRules(string directory)
    {
        var whole = new HashSet<string>(StringComparer.Ordinal);   // name and subdomains
        var exact = new HashSet<string>(StringComparer.Ordinal);   // RPZ owner: the name only
        var below = new HashSet<string>(StringComparer.Ordinal);   // RPZ *.owner: subdomains only
        foreach (string line in File.ReadLines(Path.Combine(directory, "shadowwhisperer-malware.hosts.txt")))
        {
            if (!line.StartsWith('#') && line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var name, ..])
            {
                whole.Add(name);
            }
        }

        foreach (string line in File.ReadLines(Path.Combine(directory, "blocklistproject-phishing.domains.txt")))
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                whole.Add(line.Trim());
            }
        }

        foreach (string line in File.ReadLines(Path.Combine(directory, "hagezi-tif.mini.adblock.txt")))
        {
            if (line.StartsWith("||", StringComparison.Ordinal))
            {
                whole.Add(line[2..^1]);
            }
        }

        foreach (string line in File.ReadLines(Path.Combine(directory, "hagezi-fake.rpz.txt")))
        {
            if (line.EndsWith(" CNAME .", StringComparison.Ordinal))
            {
                string owner = line[..line.IndexOf(' ')];
                _ = owner.StartsWith("*.", StringComparison.Ordinal) ? below.Add(owner[2..]) : exact.Add(owner);
            }
        }

        return (whole, exact, below);
    }

    private static bool ReferenceCovers((HashSet<string> Whole, HashSet<string> Exact, HashSet<string> Below) rules, string name)
    {
        if (rules.Exact.Contains(name) || rules.Whole.Contains(name))
        {
            return true;
        }

        for (int dot = name.IndexOf('.'); dot >= 0; dot = name.IndexOf('.', dot + 1))
        {
            string parent = name[(dot + 1)..];
            if (rules.Whole.Contains(parent) || rules.Below.Contains(parent))
            {
                return true;
            }
        }

        return false;
    }

    [Fact]
    public void RealFeeds_CompileWithoutErrors_AndBlockEveryListedName()
    {
        string directory = SharedData.RequireDirectory();
        var compiler = new BlocklistCompiler();
        foreach (var (file, format, category) in Feeds)
        {
            SourceSummary summary = compiler.AddFile(Path.Combine(directory, file), new SourceDescriptor(file, category, format));
            Assert.True(summary.Rejected == 0, $"{file}: {string.Join("; ", summary.Errors.Take(5))}");
        }

        var stopwatch = Stopwatch.StartNew();
        using var image = BlocklistImage.FromBytes(compiler.ToArray());
        var rules = ReferenceRules(directory);

        foreach (string name in rules.Whole.Concat(rules.Exact))
        {
            Assert.True(image.Match(TestImages.Wire(name)).Verdict == Verdict.Blocked, $"listed name '{name}' is not blocked");
        }

        foreach (string name in rules.Below)
        {
            Assert.Equal(Verdict.Blocked, image.Match(TestImages.Wire("www." + name)).Verdict);
        }

        foreach (string line in File.ReadLines(Path.Combine(directory, "blocklistproject-malware.ip.txt")))
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                var address = System.Net.IPAddress.Parse(line.Split('/')[0]);
                // The feed lists 127.0.0.2; loopback is never blocked (it would cut the host off from itself).
                Verdict expected = System.Net.IPAddress.IsLoopback(address) ? Verdict.None : Verdict.Blocked;
                Assert.True(image.Match(address).Verdict == expected, $"listed address {line}: expected {expected}");
            }
        }
    }

    [Fact]
    public void RealFeeds_DoNotBlockPopularNames_ThatNoRuleCovers()
    {
        string directory = SharedData.RequireDirectory();
        var compiler = new BlocklistCompiler();
        foreach (var (file, format, category) in Feeds)
        {
            compiler.AddFile(Path.Combine(directory, file), new SourceDescriptor(file, category, format));
        }

        using var image = BlocklistImage.FromBytes(compiler.ToArray());
        var rules = ReferenceRules(directory);
        int covered = 0;
        int uncovered = 0;
        foreach (string line in File.ReadLines(Path.Combine(directory, "umbrella-top-100k.csv")))
        {
            string name = line.TrimEnd('\r')[(line.IndexOf(',') + 1)..].TrimEnd('\r');
            Verdict expected = ReferenceCovers(rules, name) ? Verdict.Blocked : Verdict.None;
            _ = expected == Verdict.Blocked ? covered++ : uncovered++;
            Assert.True(expected == image.Match(TestImages.Wire(name)).Verdict, $"popular name '{name}': expected {expected}");
        }

        // The data's README counts 191 + 39 + 6 listed popular names; subdomains of listed names add more.
        Assert.InRange(covered, 200, 2_000);
        Assert.True(uncovered > 95_000);
    }
}
