using System.Diagnostics;

namespace PipShield.Service.Tests.Reliability;

/// <summary>
/// The CI-sized run of <c>bench/soak.sh</c>: the built <c>pipshield</c> under mixed dnsperf load while its image
/// is replaced every 2 seconds (every 4th replacement a bad one), then killed and restarted (the restart time is reported, not judged here). The 10-minute run
/// and its figures are in docs/RELIABILITY.md.
/// </summary>
public sealed class ShortSoakTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public async Task ShortSoak_WithImageSwapsAndBadUpdates_LosesNoQuery_AndRestarts()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && Environment.ProcessorCount >= 2, "the soak script needs Linux and 2 cores");
        Assert.SkipWhen(Which("dnsperf") is null || Which("unbound") is null || Which("dig") is null,
            "dnsperf, unbound and dig are not installed (./test.sh installs them from Debian's packages)");
        string repo = RepositoryRoot();
        string pipshield = Path.Combine(repo, "src", "PipShield.Service", "bin", Configuration, "net10.0", "pipshield");
        Assert.SkipUnless(File.Exists(pipshield), $"{pipshield} is not built");

        string work = Path.Combine(Path.GetTempPath(), "pipshield-soak-test-" + Environment.ProcessId);
        var start = new ProcessStartInfo("bash", [Path.Combine(repo, "bench", "soak.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["DURATION"] = "15",
                ["RATE"] = "15000",
                ["NAMES"] = "50000",
                ["SWAP"] = "2",
                ["SKIP_BUILD"] = "1",
                ["RESTART_LIMIT_MS"] = "0", // timings are for the benchmark run on an idle machine, not for CI
                ["PIPSHIELD"] = pipshield,
                ["WORK"] = work,
                ["BASE_PORT"] = PipShield.Service.Tests.Hosting.HostTestKit.FreePortPair().ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        };
        try
        {
            using Process process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            Task<string> stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(5));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            string output = await stdout + await stderr;
            Assert.True(process.ExitCode == 0 && output.Contains("result: PASS", StringComparison.Ordinal), output);
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private static string? Which(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, command)).FirstOrDefault(File.Exists);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PipShield.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("PipShield.sln not found above the test folder");
    }
}
