using System.Diagnostics;
using System.Net;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>Runs ISC <c>dig</c> against a test resolver; tests skip when it is not installed (test.sh installs dnsutils).</summary>
internal static class Dig
{
    private static readonly Lazy<string?> Path = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator)
            .Select(dir => System.IO.Path.Combine(dir, "dig"))
            .FirstOrDefault(File.Exists));

    /// <summary>Runs <c>dig @address -p port args +tries=1 +time=2</c> and returns its standard output.</summary>
    public static async Task<string> RunAsync(IPEndPoint server, string arguments)
    {
        string? dig = Path.Value;
        Assert.SkipWhen(dig is null, "dig is not installed (apt-get install dnsutils); test.sh installs it");

        var start = new ProcessStartInfo(dig!, $"@{server.Address} -p {server.Port} {arguments} +tries=1 +time=2")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dig did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Task<string> output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"dig {arguments} did not finish in 10 seconds");
        }

        return await output + await errors;
    }
}
