using BenchmarkDotNet.Attributes;
using PipShield.Bench.Baselines;
using PipShield.Bench.Data;
using PipShield.Blocklist.Lookup;

namespace PipShield.Bench;

/// <summary>
/// Per-lookup cost of deciding "is this query name blocked?" on a 100k, 1M and (when shared/data is present)
/// the real ~350k-name rule set, for listed names, new subdomains of listed names and unlisted popular names.
/// </summary>
/// <remarks>
/// <para>Each call runs 64 Ki random queries (<see cref="BenchDataSet.QueryCount"/>) and the figure is per
/// lookup. Queries are spread at random over the whole rule set, so most probes miss the CPU caches, as
/// they do in a resolver serving many clients.</para>
/// <para>Contenders, all with the same semantics (blocked when the name or any parent is listed) and checked
/// to agree on every query in setup: the image on wire names (what a DNS query carries) and on text; a
/// <see cref="HashSet{T}"/> suffix walk with Substring (allocating), with span slices (allocation free, the
/// <b>Baseline</b>), and the same from wire bytes decoded on the stack; and a Dictionary-per-label trie.</para>
/// <para>Expected "Allocated": <c>-</c> (zero) for every contender except HashSetSubstring.</para>
/// </remarks>
[Config(typeof(LookupConfig))]
public class LookupBenchmarks
{
    private BlocklistImage _image = null!;
    private HashSetSuffixMatcher _hashSet = null!;
    private DictionaryTrieMatcher _trie = null!;
    private string[] _names = null!;
    private byte[] _wire = null!;
    private int[] _offsets = null!;

    public static IEnumerable<string> Sets => BenchDataSet.StandardIds();

    /// <summary>Rule set: generated 100k or 1M entries, or the union of the real feeds.</summary>
    [ParamsSource(nameof(Sets))]
    public string Set { get; set; } = "100k";

    [Params(QueryKind.ExactHit, QueryKind.SubdomainHit, QueryKind.Miss)]
    public QueryKind Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        BenchDataSet data = BenchDataSet.Get(Set);
        data.EnsureVerified();
        _image = data.Image;
        _hashSet = data.HashSet;
        _trie = data.Trie;
        QuerySet queries = data.Queries(Kind);
        _names = queries.Names;
        _wire = queries.Wire;
        _offsets = queries.Offsets;
    }

    /// <summary>(a) The image, on wire-format names as they arrive in a query.</summary>
    [Benchmark(OperationsPerInvoke = BenchDataSet.QueryCount)]
    public int PipShieldWire()
        => LookupLoops.ImageWire(_image, _wire, _offsets);

    /// <summary>(a') The image on presentation names (converted to wire format on the stack first).</summary>
    [Benchmark(OperationsPerInvoke = BenchDataSet.QueryCount)]
    public int PipShieldText()
        => LookupLoops.ImageText(_image, _names);

    /// <summary>(b) HashSet&lt;string&gt; suffix walk with Substring: allocates one string per parent probed.</summary>
    [Benchmark(OperationsPerInvoke = BenchDataSet.QueryCount)]
    public int HashSetSubstring()
        => LookupLoops.HashSetSubstring(_hashSet, _names);

    /// <summary>(c) HashSet&lt;string&gt; suffix walk over span slices (alternate lookup): allocation free.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = BenchDataSet.QueryCount)]
    public int HashSetSpan()
        => LookupLoops.HashSetSpan(_hashSet, _names);

    /// <summary>(d) As (c), but from the wire name: decode to lower-case chars on the stack first.</summary>
    [Benchmark(OperationsPerInvoke = BenchDataSet.QueryCount)]
    public int HashSetWire()
        => LookupLoops.HashSetWire(_hashSet, _wire, _offsets);

    /// <summary>(e) Node-per-label Dictionary trie over reversed labels, span lookups.</summary>
    [Benchmark(OperationsPerInvoke = BenchDataSet.QueryCount)]
    public int DictionaryTrie()
        => LookupLoops.DictionaryTrie(_trie, _names);
}
