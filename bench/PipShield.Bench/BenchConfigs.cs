using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace PipShield.Bench;

/// <summary>
/// Jobs that keep the whole suite within about 15 minutes on 2 shared cores. Everything runs in process
/// (<see cref="InProcessEmitToolchain"/>): no per-benchmark project build, and the data sets, which take
/// seconds to generate, compile and verify, are built once and shared by all benchmarks of a run.
/// </summary>
internal static class BenchJobs
{
    /// <summary>
    /// Short per-operation benchmarks (lookups, open): 3 warm-up and 7 measured iterations of ~250 ms. No forced
    /// full GC between iterations: the process holds over 1 GB of data sets and baselines, so each forced
    /// collection would cost about a second, and the measured code allocates nothing (HashSetSubstring aside).
    /// </summary>
    public static Job Short(string id) => Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithGcForce(false)
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(7)
        .WithIterationTime(TimeInterval.FromMilliseconds(250))
        .WithId(id);

    /// <summary>Operations of a second or more (compiles): one call per iteration, 1 warm-up, 5 measured.</summary>
    public static Job Long(string id) => Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(1)
        .WithIterationCount(5)
        .WithInvocationCount(1)
        .WithUnrollFactor(1)
        .WithId(id);
}

public sealed class LookupConfig : ManualConfig
{
    public LookupConfig()
    {
        AddJob(BenchJobs.Short("Lookup"));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}

public sealed class OpenConfig : ManualConfig
{
    public OpenConfig()
    {
        AddJob(BenchJobs.Short("Open"));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}

public sealed class CompileConfig : ManualConfig
{
    public CompileConfig()
    {
        AddJob(BenchJobs.Long("Compile"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(new ImageStatsColumn("Rules", "Domain rules accepted by the compiler", s => s.Rules.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)));
        AddColumn(new ImageStatsColumn("Image MB", "Image size in MB (10^6 bytes)", s => (s.ImageBytes / 1e6).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)));
        AddColumn(new ImageStatsColumn("B/rule", "Image bytes per accepted domain rule", s => ((double)s.ImageBytes / s.Rules).ToString("F1", System.Globalization.CultureInfo.InvariantCulture)));
    }
}
