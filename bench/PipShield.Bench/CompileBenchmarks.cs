using BenchmarkDotNet.Attributes;
using PipShield.Bench.Data;
using PipShield.Blocklist.Compiling;

namespace PipShield.Bench;

/// <summary>
/// Time to compile list text (already in memory, so no disk I/O) into image bytes: parse, normalise, drop
/// redundant children, lay out the suffix table, checksum. The extra columns give the image size per rule.
/// </summary>
/// <remarks>Not a hot path: "Allocated" is expected to be large (the compiler holds every name as a string).</remarks>
[Config(typeof(CompileConfig))]
public class CompileBenchmarks
{
    private (SourceDescriptor Source, string Text)[] _sources = [];

    public static IEnumerable<string> Sets => BenchDataSet.StandardIds();

    [ParamsSource(nameof(Sets))]
    public string Set { get; set; } = "100k";

    [GlobalSetup]
    public void Setup()
    {
        BenchDataSet data = BenchDataSet.Get(Set);
        _sources = data.Sources;
        (byte[] image, CompileResult result) = data.Compile();
        ImageStatsColumn.Recorded[Set] = new ImageStats(result.DomainRules, result.DomainNodes, image.Length);
    }

    [Benchmark]
    public int Compile()
    {
        var compiler = new BlocklistCompiler(new CompilerOptions { BuildTime = BenchDataSet.BuildTime });
        foreach ((SourceDescriptor source, string text) in _sources)
        {
            compiler.AddSource(source, new StringReader(text));
        }

        return compiler.ToArray().Length;
    }
}
