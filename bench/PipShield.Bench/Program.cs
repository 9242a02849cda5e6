using BenchmarkDotNet.Running;
using PipShield.Bench.Data;

namespace PipShield.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/PipShield.Bench -- --filter '*'</c> runs the BenchmarkDotNet
/// suite (see docs/PERFORMANCE.md); <c>-- sizes [set…]</c> prints compile time, image size, open time and
/// baseline memory; <c>-- compare [set…]</c> runs the lookup
/// contenders interleaved (robust ratios on a noisy machine); <c>-- check [set…]</c> is a fast smoke run for CI. A set is 100k, 1M, real or any count
/// such as 20k.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "sizes")
        {
            CustomModes.RunSizes(args[1..]);
            return 0;
        }

        if (args.Length > 0 && args[0] == "compare")
        {
            CustomModes.RunCompare(args[1..]);
            return 0;
        }

        if (args.Length > 0 && args[0] == "check")
        {
            return CustomModes.RunCheck(args[1..]);
        }

        Console.WriteLine("// " + DataLocator.Describe());
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
