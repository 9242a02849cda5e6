using System.Diagnostics;

namespace PipShield.Service.Tests.Firewall;

/// <summary>
/// Network namespaces made for one test, joined by veth pairs, with addresses from 198.18.0.0/15 (the benchmarking
/// range, never routed on the internet). Everything it creates is removed in <see cref="Dispose"/>, even after a
/// failure. Needs root and the ip, nft and python3 programs; <see cref="SkipUnlessAvailable"/> says when they are missing.
/// </summary>
internal sealed class NetnsLab : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);
    private readonly List<string> _namespaces = [];
    private readonly List<Process> _listeners = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("pipshield-netns-").FullName;

    /// <summary>A short id for this lab's names (interface names are limited to 15 characters).</summary>
    public string Id { get; } = Random.Shared.Next(0x1000, 0xFFFF).ToString("x4", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Skips the calling test when it cannot create namespaces or run nft.</summary>
    public static void SkipUnlessAvailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("network namespaces and nftables exist only on Linux");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Skip("creating network namespaces and loading nftables rules needs root");
        }

        foreach (string program in (string[])["ip", "nft", "python3", "timeout"])
        {
            if (!OnPath(program))
            {
                Assert.Skip($"'{program}' is not installed (test.sh installs iproute2 and nftables)");
            }
        }
    }

    /// <summary>Adds a namespace with its loopback up; the name includes <see cref="Id"/>.</summary>
    public string AddNamespace(string role)
    {
        string name = $"ps{Id}{role}";
        (int code, string error) = Run("ip", "netns", "add", name);
        if (code != 0)
        {
            Assert.Skip($"cannot create a network namespace here: {error.Trim()}");
        }

        _namespaces.Add(name);
        Must("ip", "-n", name, "link", "set", "lo", "up");
        return name;
    }

    /// <summary>Joins two namespaces with a veth pair and gives each end its addresses (CIDR).</summary>
    public void Link(string left, string[] leftAddresses, string right, string[] rightAddresses)
    {
        string a = $"v{Id}{left[^1]}{right[^1]}a";
        string b = $"v{Id}{left[^1]}{right[^1]}b";
        Must("ip", "link", "add", a, "netns", left, "type", "veth", "peer", "name", b, "netns", right);
        foreach (string address in leftAddresses)
        {
            Must("ip", "-n", left, "addr", "add", address, "dev", a);
        }

        foreach (string address in rightAddresses)
        {
            Must("ip", "-n", right, "addr", "add", address, "dev", b);
        }

        Must("ip", "-n", left, "link", "set", a, "up");
        Must("ip", "-n", right, "link", "set", b, "up");
    }

    /// <summary>Runs a command inside a namespace and fails the test when it fails.</summary>
    public string Exec(string ns, params string[] command)
    {
        string[] arguments = ["netns", "exec", ns, .. command];
        return Must("ip", arguments);
    }

    /// <summary>Starts a TCP listener (python3's HTTP server) in a namespace, on every address.</summary>
    public void Listen(string ns, int port)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])["netns", "exec", ns, "python3", "-m", "http.server", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "0.0.0.0", "--directory", _folder])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _listeners.Add(process);
    }

    /// <summary>Whether a TCP connection from <paramref name="ns"/> to the address and port opens within 2 seconds.</summary>
    public bool CanConnect(string ns, string address, int port) =>
        Run("ip", "netns", "exec", ns, "timeout", "2", "bash", "-c", $"exec 3<>/dev/tcp/{address}/{port}").Code == 0;

    /// <summary>Waits (at most 10 s) until a connection succeeds: the listener is up and the link works.</summary>
    public bool WaitUntilConnects(string ns, string address, int port)
    {
        for (int i = 0; i < 20; i++)
        {
            if (CanConnect(ns, address, port))
            {
                return true;
            }

            Thread.Sleep(250);
        }

        return false;
    }

    /// <summary>An executable that runs nft inside <paramref name="ns"/>: the service's Firewall:NftPath for the test.</summary>
    public string NftWrapper(string ns)
    {
        string path = Path.Combine(_folder, $"nft-{ns}");
        File.WriteAllText(path, $"#!/bin/sh\nexec ip netns exec {ns} nft \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    /// <summary>A scratch folder removed with the lab.</summary>
    public string Folder => _folder;

    public void Dispose()
    {
        foreach (Process listener in _listeners)
        {
            try
            {
                listener.Kill(entireProcessTree: true);
                listener.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }

            listener.Dispose();
        }

        // Deleting a namespace deletes its veth ends and its nftables tables with it.
        foreach (string ns in _namespaces)
        {
            Run("ip", "netns", "del", ns);
        }

        Directory.Delete(_folder, recursive: true);
    }

    private static string Must(string program, params string[] arguments)
    {
        (int code, string output) = Run(program, arguments);
        Assert.True(code == 0, $"{program} {string.Join(' ', arguments)} failed ({code}): {output}");
        return output;
    }

    private static (int Code, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{program} did not finish within {CommandTimeout.TotalSeconds} s");
        }

        return (process.ExitCode, output.Result + error.Result);
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, program)));
}
