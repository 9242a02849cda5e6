using System.Globalization;
using System.Text;
using PipShield.Bench.Baselines;
using PipShield.Blocklist;
using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Parsing;

namespace PipShield.Bench.Data;

/// <summary>What a lookup benchmark asks for.</summary>
public enum QueryKind
{
    /// <summary>A name that is itself listed.</summary>
    ExactHit,

    /// <summary>A new label in front of a listed name (<c>www.</c>, <c>cdn-7.</c>, random hex): covered by its parent.</summary>
    SubdomainHit,

    /// <summary>A popular name that no rule covers (the common case for a protective resolver).</summary>
    Miss,
}

/// <summary>
/// One rule set with everything built from it: list text, compiled image (memory-mapped from a temp file),
/// the managed baselines, and query sets. Sets are built once per process and cached.
/// </summary>
internal sealed class BenchDataSet : IDisposable
{
    /// <summary>Queries per kind: 64 Ki names, several MB of query data plus a large random working set of rules.</summary>
    public const int QueryCount = 1 << 16;

    /// <summary>Distinct popular names the miss queries are drawn from (the size of the Umbrella list).</summary>
    public const int PopularPool = 100_000;

    public static readonly DateTimeOffset BuildTime = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, BenchDataSet> Cache = [];
    private static readonly Lazy<RealFeeds?> Real = new(RealFeeds.TryLoad);
    private static string? s_tempDirectory;

    private HashSetSuffixMatcher? _hashSet;
    private DictionaryTrieMatcher? _trie;
    private BlocklistImage? _image;
    private Dictionary<QueryKind, QuerySet>? _queries;
    private string[]? _popular;
    private bool _verified;

    private BenchDataSet(string id, string[] listed, (SourceDescriptor Source, string Text)[] sources, string[]? missPool)
    {
        Id = id;
        Listed = listed;
        Sources = sources;
        _popular = missPool;
    }

    /// <summary>"100k", "1M", "real", or any count such as "20k".</summary>
    public string Id { get; }

    /// <summary>Every listed name (each blocks itself and its subdomains).</summary>
    public string[] Listed { get; }

    /// <summary>List texts to compile, in precedence order.</summary>
    public (SourceDescriptor Source, string Text)[] Sources { get; }

    public static RealFeeds? RealData => Real.Value;

    /// <summary>The generated sizes, plus "real" when shared/data is present.</summary>
    public static IEnumerable<string> StandardIds(bool includeReal = true)
    {
        yield return "100k";
        yield return "1M";
        if (includeReal && RealData is not null)
        {
            yield return "real";
        }
    }

    public static BenchDataSet Get(string id)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(id, out BenchDataSet? set))
            {
                set = Create(id);
                Cache.Add(id, set);
            }

            return set;
        }
    }

    public static int ParseCount(string id)
    {
        string digits = id.TrimEnd('k', 'K', 'm', 'M');
        int count = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        return id[^1] switch
        {
            'k' or 'K' => count * 1_000,
            'm' or 'M' => count * 1_000_000,
            _ => count,
        };
    }

    public static string TempDirectory
    {
        get
        {
            if (s_tempDirectory is null)
            {
                s_tempDirectory = Path.Combine(Path.GetTempPath(), $"pipshield-bench-{Environment.ProcessId}");
                Directory.CreateDirectory(s_tempDirectory);
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    try
                    {
                        Directory.Delete(s_tempDirectory, recursive: true);
                    }
                    catch (IOException)
                    {
                    }
                };
            }

            return s_tempDirectory;
        }
    }

    private static BenchDataSet Create(string id)
    {
        if (id == "real")
        {
            RealFeeds real = RealData ?? throw new InvalidOperationException(DataLocator.Describe());
            var sources = real.ReadTexts()
                .Select(t => (new SourceDescriptor(t.File, t.Category, t.Format), t.Text))
                .ToArray();
            return new BenchDataSet(id, real.Listed, sources, null);
        }

        int count = ParseCount(id);
        string[] listed = ListGenerator.GenerateListed(count);
        var text = new StringBuilder(count * 24);
        text.Append("# Generated benchmark list: ").Append(count).Append(" entries, seed ").Append(ListGenerator.DefaultSeed).Append('\n');
        foreach (string name in listed)
        {
            text.Append(name).Append('\n');
        }

        var source = new SourceDescriptor($"generated-{id}", "phishing", ListFormat.Domains);
        return new BenchDataSet(id, listed, [(source, text.ToString())], null);
    }

    /// <summary>Compiles the sources from memory into image bytes.</summary>
    public (byte[] Image, CompileResult Result) Compile()
    {
        var compiler = new BlocklistCompiler(new CompilerOptions { BuildTime = BuildTime });
        foreach ((SourceDescriptor source, string text) in Sources)
        {
            compiler.AddSource(source, new StringReader(text));
        }

        using var stream = new MemoryStream();
        CompileResult result = compiler.WriteTo(stream);
        return (stream.ToArray(), result);
    }

    /// <summary>Writes the compiled image to the temp directory (once) and returns its path.</summary>
    public string ImagePath
    {
        get
        {
            string path = Path.Combine(TempDirectory, $"{Id}.pipbl");
            if (!File.Exists(path))
            {
                File.WriteAllBytes(path, Compile().Image);
            }

            return path;
        }
    }

    /// <summary>The image, memory-mapped as the service opens it (full verification).</summary>
    public BlocklistImage Image => _image ??= BlocklistImage.Open(ImagePath, ImageVerification.Full);

    public HashSetSuffixMatcher HashSet => _hashSet ??= new HashSetSuffixMatcher(Listed);

    public DictionaryTrieMatcher Trie => _trie ??= new DictionaryTrieMatcher(Listed);

    /// <summary>Names that no rule covers: Umbrella names minus listed ones, or generated popular names.</summary>
    public string[] PopularUnlisted
    {
        get
        {
            if (_popular is null)
            {
                HashSetSuffixMatcher set = HashSet;
                _popular = RealData is { } real && Id == "real"
                    ? real.Umbrella.Where(n => !set.IsListed(n)).ToArray()
                    : ListGenerator.GeneratePopular(PopularPool, n => set.IsListed(n));
            }

            return _popular;
        }
    }

    public QuerySet Queries(QueryKind kind)
    {
        _queries ??= BuildQueries();
        return _queries[kind];
    }

    private Dictionary<QueryKind, QuerySet> BuildQueries()
    {
        var random = new Random(ListGenerator.DefaultSeed + 7);
        var exact = new string[QueryCount];
        var subdomain = new string[QueryCount];
        var miss = new string[QueryCount];
        string[] popular = PopularUnlisted;
        for (int i = 0; i < QueryCount; i++)
        {
            // A copy, not the listed string object: a query name comes from a packet, so a baseline must not
            // get reference-equal keys (or a key already in cache) for free.
            exact[i] = new string(Listed[random.Next(Listed.Length)].AsSpan());
            string sub;
            do
            {
                sub = ListGenerator.QueryPrefix(random) + "." + Listed[random.Next(Listed.Length)];
            }
            while (sub.Length > Blocklist.Names.DomainName.MaxLength);

            subdomain[i] = sub;
            miss[i] = new string(popular[random.Next(popular.Length)].AsSpan());
        }

        return new Dictionary<QueryKind, QuerySet>
        {
            [QueryKind.ExactHit] = new QuerySet(exact),
            [QueryKind.SubdomainHit] = new QuerySet(subdomain),
            [QueryKind.Miss] = new QuerySet(miss),
        };
    }

    /// <summary>
    /// Throws unless every implementation gives the expected verdict for every query: hits blocked, misses not.
    /// </summary>
    public void Verify()
    {
        BlocklistImage image = Image;
        HashSetSuffixMatcher set = HashSet;
        DictionaryTrieMatcher trie = Trie;
        foreach (QueryKind kind in Enum.GetValues<QueryKind>())
        {
            QuerySet queries = Queries(kind);
            bool expected = kind != QueryKind.Miss;
            for (int i = 0; i < queries.Count; i++)
            {
                string name = queries.Names[i];
                ReadOnlySpan<byte> wire = queries.WireAt(i);
                Verdict wireVerdict = image.Match(wire).Verdict;
                Verdict textVerdict = image.Match(name.AsSpan()).Verdict;
                bool substring = set.IsListedSubstring(name);
                bool span = set.IsListed(name);
                bool fromWire = set.IsListedWire(wire);
                bool trieVerdict = trie.IsListed(name);
                if (wireVerdict != (expected ? Verdict.Blocked : Verdict.None) || textVerdict != wireVerdict
                    || substring != expected || span != expected || fromWire != expected || trieVerdict != expected)
                {
                    throw new InvalidOperationException(
                        $"Set {Id}, {kind} query #{i} '{name}': expected {(expected ? "blocked" : "not blocked")}, got " +
                        $"image(wire)={wireVerdict} image(text)={textVerdict} hashset-substring={substring} " +
                        $"hashset-span={span} hashset-wire={fromWire} trie={trieVerdict}");
                }
            }
        }
    }

    /// <summary>Runs <see cref="Verify"/> once per set and process, and prints the set's shape.</summary>
    public void EnsureVerified()
    {
        if (_verified)
        {
            return;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Verify();
        Console.WriteLine(
            $"// Set {Id}: {Listed.Length:N0} listed names, {Image.DomainNodeCount:N0} image nodes, {Image.FileLength:N0} image bytes, " +
            $"{PopularUnlisted.Length:N0} unlisted popular names; all implementations agree on 3 x {QueryCount:N0} queries ({clock.Elapsed.TotalSeconds:F1} s)");
        _verified = true;
    }

    public void Dispose() => _image?.Dispose();
}
