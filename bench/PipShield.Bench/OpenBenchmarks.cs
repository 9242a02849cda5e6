using BenchmarkDotNet.Attributes;
using PipShield.Bench.Data;
using PipShield.Blocklist.Lookup;

namespace PipShield.Bench;

/// <summary>
/// Time to open (map and validate) and close an image file that is in the page cache, as a list reload
/// does. Full verification hashes the whole body, so it touches every page; HeaderOnly checks the header,
/// the section table, the rule classes and the source table.
/// </summary>
[Config(typeof(OpenConfig))]
public class OpenBenchmarks
{
    private string _path = "";

    [Params("100k", "1M")]
    public string Set { get; set; } = "1M";

    [GlobalSetup]
    public void Setup() => _path = BenchDataSet.Get(Set).ImagePath;

    [Benchmark(Baseline = true)]
    public int OpenFull()
    {
        using BlocklistImage image = BlocklistImage.Open(_path, ImageVerification.Full);
        return image.DomainNodeCount;
    }

    [Benchmark]
    public int OpenHeaderOnly()
    {
        using BlocklistImage image = BlocklistImage.Open(_path, ImageVerification.HeaderOnly);
        return image.DomainNodeCount;
    }
}
