using System.Text;
using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Lookup;

/// <summary>
/// Property test: for random lists and random queries the image answers exactly as a plain model — a set
/// of (name, scope) rules and a walk over the query's suffixes — does.
/// </summary>
public sealed class ReferenceModelTests
{
    private static readonly string[] Tlds = ["com", "net", "org", "example", "xn--p1ai"];
    private static readonly string[] Words = ["a", "b", "ads", "cdn", "www", "login", "x1", "mail", "c_d", "z-z"];

    private sealed record ModelRule(string Name, DomainScope Scope, bool Allow);

    private static string RandomName(Random random)
    {
        int labels = random.Next(1, 5);
        var parts = new List<string> { Tlds[random.Next(Tlds.Length)] };
        for (int i = 0; i < labels; i++)
        {
            parts.Insert(0, Words[random.Next(Words.Length)]);
        }

        return string.Join('.', parts);
    }

    private static Verdict ModelVerdict(List<ModelRule> rules, string query)
    {
        // Most specific level first; at one level an allow rule beats a block rule.
        string[] labels = query.Split('.');
        for (int level = 0; level < labels.Length; level++)
        {
            string suffix = string.Join('.', labels[level..]);
            bool blocked = false;
            bool allowed = false;
            foreach (ModelRule rule in rules)
            {
                if (rule.Name != suffix)
                {
                    continue;
                }

                bool applies = level == 0 ? rule.Scope != DomainScope.SubdomainsOnly : rule.Scope != DomainScope.NameOnly;
                if (applies)
                {
                    allowed |= rule.Allow;
                    blocked |= !rule.Allow;
                }
            }

            if (allowed)
            {
                return Verdict.Allowed;
            }

            if (blocked)
            {
                return Verdict.Blocked;
            }
        }

        return Verdict.None;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Image_AgreesWithReferenceModel_OnRandomListsAndQueries(int seed)
    {
        var random = new Random(seed);
        var rules = new List<ModelRule>();
        var blockDomains = new StringBuilder();
        var allowDomains = new StringBuilder();
        var rpz = new StringBuilder("$TTL 60\n@ SOA ns.example. admin.example. 1 3600 600 86400 60\n");
        int ruleCount = random.Next(50, 400);
        for (int i = 0; i < ruleCount; i++)
        {
            string name = RandomName(random);
            if (!name.Contains('.'))
            {
                continue;
            }

            switch (random.Next(6))
            {
                case 0:
                    rules.Add(new ModelRule(name, DomainScope.SubdomainsOnly, false));
                    blockDomains.Append("*.").Append(name).Append('\n');
                    break;
                case 1:
                    rules.Add(new ModelRule(name, DomainScope.NameOnly, false));
                    rpz.Append(name).Append(" CNAME .\n");
                    break;
                case 2:
                    rules.Add(new ModelRule(name, DomainScope.NameOnly, true));
                    rpz.Append(name).Append(" CNAME rpz-passthru.\n");
                    break;
                case 3:
                    rules.Add(new ModelRule(name, DomainScope.NameAndSubdomains, true));
                    allowDomains.Append(name.ToUpperInvariant()).Append(".\n");
                    break;
                default:
                    rules.Add(new ModelRule(name, DomainScope.NameAndSubdomains, false));
                    blockDomains.Append(name).Append('\n');
                    break;
            }
        }

        using var image = TestImages.Compile(
            (blockDomains.ToString(), new SourceDescriptor("block", "malware", ListFormat.Domains)),
            (rpz.ToString(), new SourceDescriptor("rpz", "scam", ListFormat.Rpz)),
            (allowDomains.ToString(), new SourceDescriptor("allow", "custom", ListFormat.Domains, IsAllowlist: true)));

        int[] seen = new int[3];
        for (int i = 0; i < 5_000; i++)
        {
            // Half the queries sit on or under a listed name, so every verdict is exercised.
            string query = i % 2 == 0 || rules.Count == 0
                ? RandomName(random)
                : Words[random.Next(Words.Length)] + "." + rules[random.Next(rules.Count)].Name;
            if (random.Next(4) == 0)
            {
                query = rules.Count > 0 ? rules[random.Next(rules.Count)].Name : query;
            }

            Verdict expected = ModelVerdict(rules, query);
            Verdict actual = image.Match(TestImages.Wire(query.ToUpperInvariant())).Verdict;
            Assert.True(expected == actual, $"seed {seed}: '{query}' expected {expected}, image said {actual}");
            seen[(int)expected]++;
        }

        Assert.All(seen, count => Assert.True(count > 100, "every verdict should be exercised"));
    }
}
