using System.Diagnostics;
using System.Net;

namespace PipShield.Tests.Tls;

/// <summary>Runs Knot's <c>kdig</c> (DoT with <c>+tls</c>, DoH with <c>+https</c>); tests skip when it is not installed (Debian knot-dnsutils).</summary>
internal static class Kdig
{
    private static readonly Lazy<string?> Path = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator)
            .Select(dir => System.IO.Path.Combine(dir, "kdig"))
            .FirstOrDefault(File.Exists));

    /// <summary>Runs <c>kdig @address -p port args +retry=0 +timeout=3</c> and returns its standard output and error.</summary>
    public static async Task<string> RunAsync(IPEndPoint server, string arguments)
    {
        string? kdig = Path.Value;
        Assert.SkipWhen(kdig is null, "kdig is not installed (apt-get install knot-dnsutils)");

        var start = new ProcessStartInfo(kdig!, $"@{server.Address} -p {server.Port} {arguments} +retry=0 +timeout=3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("kdig did not start");
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
            throw new TimeoutException($"kdig {arguments} did not finish in 15 seconds");
        }

        return await output + await errors;
    }
}
