using System.Diagnostics;
using System.Text;

namespace PipShield.Service.Tests.Hosting;

/// <summary>
/// The built <c>pipshield</c> program (the copy next to the tests, so always this build) running as a child
/// process, with its output captured. Disposing kills it if it is still running.
/// </summary>
internal sealed class PipShieldProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();

    private PipShieldProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            Append(e.Data);
            lock (_output)
            {
                _errors.Append(e.Data is null ? string.Empty : e.Data + "\n");
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The apphost next to the test assembly, or null where there is none (Windows names it .exe).</summary>
    public static string? Program =>
        Path.Combine(AppContext.BaseDirectory, "pipshield") is var path && File.Exists(path) ? path : null;

    public int Id => _process.Id;

    /// <summary>Everything printed so far, stdout and stderr interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>What was printed on stderr so far.</summary>
    public string Errors
    {
        get
        {
            lock (_output)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>
    /// Runs <c>pipshield run</c> on loopback with no lists, one setting (<paramref name="key"/>, as a <c>PIPSHIELD__</c>
    /// variable) set to <paramref name="value"/> and any <paramref name="more"/>, and waits up to 30 s for it to exit,
    /// as a start-up check should make it do.
    /// </summary>
    public static async Task<(int? ExitCode, string Errors, string Output)> RunWithSettingAsync(
        string folder, string key, string value, params (string Key, string Value)[] more)
    {
        var environment = new Dictionary<string, string>
        {
            ["PIPSHIELD__Lists__SourcesFile"] = "",
            ["PIPSHIELD__Lists__StateDirectory"] = folder,
        };
        foreach ((string name, string setting) in more.Append((key, value)))
        {
            environment["PIPSHIELD__" + name.Replace(":", "__", StringComparison.Ordinal)] = setting;
        }

        using PipShieldProcess process = Start(folder, environment, "run", "--listen", $"127.0.0.1:{HostTestKit.FreePort()}", "--upstream", "127.0.0.1:9");
        int? exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return (exitCode, process.Errors, process.Output);
    }

    public static PipShieldProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(Program ?? throw new InvalidOperationException("pipshield is not built next to the tests"))
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The child must not inherit settings meant for the test run.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("PIPSHIELD__", StringComparison.OrdinalIgnoreCase) || k == "NOTIFY_SOCKET").ToList())
        {
            start.Environment.Remove(name);
        }

        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        return new PipShieldProcess(Process.Start(start)!);
    }

    /// <summary>Sends SIGTERM, as systemd's stop does (Process.Kill would send SIGKILL).</summary>
    public void Terminate()
    {
        using Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit(TimeSpan.FromSeconds(5));
    }

    /// <returns>The exit code, or null if the process was still running after <paramref name="timeout"/>.</returns>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            _process.WaitForExit(); // drains the redirected output
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, checking every 50 ms for at most <paramref name="timeout"/>.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return condition();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
