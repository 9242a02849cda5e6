using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PipShield.Bench;

/// <summary>
/// CPU time of the calling thread in nanoseconds (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>). Unlike wall time it
/// does not grow while the thread waits for a core, so it stays meaningful on a shared, overloaded machine.
/// Falls back to wall time elsewhere.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    public static bool IsCpuTime { get; } = OperatingSystem.IsLinux() && TryRead(out _);

    public static long NowNanoseconds()
    {
        if (IsCpuTime && TryRead(out long ns))
        {
            return ns;
        }

        return (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
    }

    private static bool TryRead(out long nanoseconds)
    {
        nanoseconds = 0;
        try
        {
            if (clock_gettime(ClockThreadCpuTimeId, out TimeSpec value) != 0)
            {
                return false;
            }

            nanoseconds = value.Seconds * 1_000_000_000 + value.Nanoseconds;
            return true;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int clock_gettime(int clockId, out TimeSpec value);
}
