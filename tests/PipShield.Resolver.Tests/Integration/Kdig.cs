using System.Diagnostics;
using System.Net;

namespace PipShield.Tests.Tls;

/// <summary>Runs Knot's <c>kdig</c> (DoT with <c>+tls</c>, DoH with <c>+https</c>); tests skip when it is not installed (Debian knot-dnsutils).</summary>
internal static class Kdig
{
    private static readonly DnsTool Tool = new("kdig", "knot-dnsutils", "+retry=0 +timeout=3");

    /// <summary>Runs <c>kdig @address -p port args +retry=0 +timeout=3</c> and returns its standard output and error.</summary>
    public static Task<string> RunAsync(IPEndPoint server, string arguments) => Tool.RunAsync(server, arguments);
}

/// <summary>A command-line DNS client (dig, kdig) found on the PATH; a test that needs a missing one is skipped.</summary>
internal sealed class DnsTool(string program, string package, string limits)
{
    private readonly Lazy<string?> _path = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists));

    /// <summary>Runs <c>PROGRAM @address -p port args LIMITS</c> and returns its standard output, then its standard error.</summary>
    public async Task<string> RunAsync(IPEndPoint server, string arguments)
    {
        string? path = _path.Value;
        Assert.SkipWhen(path is null, $"{program} is not installed (apt-get install {package}; test.sh installs it)");

        var start = new ProcessStartInfo(path!, $"@{server.Address} -p {server.Port} {arguments} {limits}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        Task<string> output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"{program} {arguments} did not finish in 15 seconds");
        }

        return await output + await errors;
    }
}
