using System.Diagnostics;
using System.Globalization;
using PipShield.Bench.Baselines;
using PipShield.Bench.Data;
using PipShield.Blocklist;
using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;

namespace PipShield.Bench;

/// <summary>
/// The non-BenchmarkDotNet modes. <c>sizes</c>: compile time, image size, open time and the managed memory
/// of the baselines per data set. <c>compare</c>: the lookup contenders interleaved round by round, which
/// keeps their ratios honest on a shared machine whose speed drifts. <c>check</c>: a fast smoke run for CI
/// (small set, all implementations must agree, the image must not allocate).
/// </summary>
internal static class CustomModes
{
    private const int CompileRuns = 3;
    private const int OpenRuns = 21;

    public static void RunSizes(string[] ids)
    {
        if (ids.Length == 0)
        {
            ids = [.. BenchDataSet.StandardIds()];
        }

        Console.WriteLine(DataLocator.Describe());
        Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} logical cores, Server GC: {System.Runtime.GCSettings.IsServerGC}");
        Console.WriteLine();
        Console.WriteLine("| Set | Entries | Rules | Nodes | Redundant | Compile s (median of 3) | Compile alloc MB | Image bytes | B/rule | B/node | Open Full ms | Open HeaderOnly ms | HashSet+strings MB | B/name | HashSet alone MB | Dict trie MB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (string id in ids)
        {
            BenchDataSet data = BenchDataSet.Get(id);
            Row(data);
        }

        Console.WriteLine();
        Console.WriteLine("Compile: list text already in memory, new compiler, AddSource per list, WriteTo(MemoryStream); wall-clock median.");
        Console.WriteLine($"Open: BlocklistImage.Open + Dispose of a file in the page cache, median of {OpenRuns} after 50 warm-up opens.");
        Console.WriteLine("Memory: GC.GetTotalMemory(true) before/after building; 'HashSet+strings' copies every name first, as a service loading the lists would.");
    }

    private static void Row(BenchDataSet data)
    {
        var times = new double[CompileRuns];
        CompileResult? result = null;
        long imageBytes = 0;
        long allocated = 0;
        for (int i = 0; i < CompileRuns; i++)
        {
            Collect();
            long allocatedBefore = GC.GetTotalAllocatedBytes(true);
            long start = Stopwatch.GetTimestamp();
            (byte[] image, CompileResult r) = data.Compile();
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            allocated = GC.GetTotalAllocatedBytes(true) - allocatedBefore;
            result = r;
            imageBytes = image.Length;
        }

        string path = data.ImagePath;
        double openFull = MedianOpen(path, ImageVerification.Full);
        double openHeader = MedianOpen(path, ImageVerification.HeaderOnly);

        long hashSetWithStrings = MeasureManaged(() => new HashSetSuffixMatcher(data.Listed.Select(n => new string(n.AsSpan())).ToArray()));
        long hashSetAlone = MeasureManaged(() => new HashSet<string>(data.Listed, StringComparer.Ordinal));
        long trie = MeasureManaged(() => new DictionaryTrieMatcher(data.Listed));

        CompileResult r2 = result!;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {data.Id} | {data.Listed.Length:N0} | {r2.DomainRules:N0} | {r2.DomainNodes:N0} | {r2.Redundant:N0} | {Median(times):F2} | {allocated / 1e6:F0} | " +
            $"{imageBytes:N0} | {(double)imageBytes / r2.DomainRules:F1} | {(double)imageBytes / Math.Max(1, r2.DomainNodes):F1} | " +
            $"{openFull:F3} | {openHeader:F4} | {hashSetWithStrings / 1e6:F1} | {(double)hashSetWithStrings / data.Listed.Length:F0} | " +
            $"{hashSetAlone / 1e6:F1} | {trie / 1e6:F1} |"));
    }

    private static double MedianOpen(string path, ImageVerification verification)
    {
        // Warm up first: past tier-0 JIT of the open path and the checksum (a service opens images repeatedly on reload).
        for (int i = 0; i < 50; i++)
        {
            BlocklistImage.Open(path, verification).Dispose();
        }

        var times = new double[OpenRuns];
        for (int i = 0; i < OpenRuns; i++)
        {
            long start = Stopwatch.GetTimestamp();
            using (BlocklistImage image = BlocklistImage.Open(path, verification))
            {
                GC.KeepAlive(image);
            }

            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return Median(times);
    }

    private static long MeasureManaged(Func<object> build)
    {
        Collect();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        object built = build();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(built);
        return after - before;
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static double Median(double[] values)
    {
        double[] sorted = [.. values];
        Array.Sort(sorted);
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Smoke test for CI: builds a small set, checks every implementation agrees, prints rough timings.</summary>
    public static int RunCheck(string[] ids)
    {
        if (ids.Length == 0)
        {
            ids = ["20k"];
        }

        Console.WriteLine(DataLocator.Describe());
        foreach (string id in ids)
        {
            BenchDataSet data = BenchDataSet.Get(id);
            data.EnsureVerified();
            foreach (QueryKind kind in Enum.GetValues<QueryKind>())
            {
                QuerySet q = data.Queries(kind);
                BlocklistImage image = data.Image;
                HashSetSuffixMatcher set = data.HashSet;
                double wire = Time(q, () =>
                {
                    int n = 0;
                    for (int i = 0; i < q.Count; i++)
                    {
                        n += image.Match(q.WireAt(i)).Verdict == Verdict.Blocked ? 1 : 0;
                    }

                    return n;
                });
                double span = Time(q, () =>
                {
                    int n = 0;
                    for (int i = 0; i < q.Count; i++)
                    {
                        n += set.IsListed(q.Names[i]) ? 1 : 0;
                    }

                    return n;
                });
                long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < q.Count; i++)
                {
                    image.Match(q.WireAt(i));
                }

                long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{id,-6} {kind,-13} image(wire) {wire,7:F1} ns  hashset(span) {span,7:F1} ns  ratio {span / wire,5:F2}x  image bytes allocated: {allocated}"));
                if (allocated != 0)
                {
                    Console.Error.WriteLine("FAIL: the image allocated during lookups");
                    return 1;
                }
            }
        }

        return 0;
    }

    /// <summary>
    /// Runs every lookup contender once per round, in a rotating order, for <paramref name="rounds"/> rounds
    /// after warm-up; prints median ns per lookup, the median of the per-round ratios to HashSetSpan, and the
    /// bytes allocated per lookup.
    /// </summary>
    public static void RunCompare(string[] args, int rounds = 21)
    {
        // "--only Name" keeps one contender (plus the baseline), e.g. to profile it with perf.
        int only = Array.IndexOf(args, "--only");
        string? onlyName = only >= 0 && only + 1 < args.Length ? args[only + 1] : null;
        string[] ids = only >= 0 ? [.. args[..only], .. args[Math.Min(args.Length, only + 2)..]] : args;
        if (ids.Length == 0)
        {
            ids = [.. BenchDataSet.StandardIds()];
        }

        Console.WriteLine(DataLocator.Describe());
        Console.WriteLine($"{rounds} interleaved rounds of {BenchDataSet.QueryCount:N0} lookups per contender, after 3 warm-up rounds.");
        Console.WriteLine(ThreadCpuClock.IsCpuTime
            ? "Times are thread CPU time (CLOCK_THREAD_CPUTIME_ID), which excludes time spent waiting for a core; wall time for comparison."
            : "Thread CPU time is not available here: both columns are wall time.");
        Console.WriteLine();
        Console.WriteLine("| Set | Kind | Contender | CPU ns/lookup (median) | Wall ns/lookup (median) | Ratio to HashSetSpan (CPU, median of per-round ratios) | Allocated B/lookup |");
        Console.WriteLine("|---|---|---|---:|---:|---:|---:|");
        foreach (string id in ids)
        {
            BenchDataSet data = BenchDataSet.Get(id);
            data.EnsureVerified();
            foreach (QueryKind kind in Enum.GetValues<QueryKind>())
            {
                QuerySet q = data.Queries(kind);
                (string Name, Func<int> Run)[] contenders = LookupLoops.Contenders(data, q)
                    .Where(c => onlyName is null || c.Name == onlyName || c.Name == "HashSetSpan")
                    .ToArray();
                int baseline = Array.FindIndex(contenders, c => c.Name == "HashSetSpan");
                var ns = new double[contenders.Length][];
                var wallNs = new double[contenders.Length][];
                for (int c = 0; c < contenders.Length; c++)
                {
                    ns[c] = new double[rounds];
                    wallNs[c] = new double[rounds];
                }

                for (int round = -3; round < rounds; round++)
                {
                    for (int k = 0; k < contenders.Length; k++)
                    {
                        int c = (k + Math.Max(round, 0)) % contenders.Length;
                        long wallStart = Stopwatch.GetTimestamp();
                        long cpuStart = ThreadCpuClock.NowNanoseconds();
                        contenders[c].Run();
                        double cpu = (double)(ThreadCpuClock.NowNanoseconds() - cpuStart) / q.Count;
                        double wall = Stopwatch.GetElapsedTime(wallStart).TotalNanoseconds / q.Count;
                        if (round >= 0)
                        {
                            ns[c][round] = cpu;
                            wallNs[c][round] = wall;
                        }
                    }
                }

                for (int c = 0; c < contenders.Length; c++)
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    contenders[c].Run();
                    double allocated = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / q.Count;
                    var ratios = new double[rounds];
                    for (int r = 0; r < rounds; r++)
                    {
                        ratios[r] = ns[c][r] / ns[baseline][r];
                    }

                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {id} | {kind} | {contenders[c].Name} | {Median(ns[c]):F1} | {Median(wallNs[c]):F1} | {Median(ratios):F2} | {allocated:F1} |"));
                }
            }
        }
    }

    private static double Time(QuerySet q, Func<int> run)
    {
        var times = new double[5];
        for (int r = 0; r < times.Length; r++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            times[r] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / q.Count;
        }

        return Median(times);
    }
}
