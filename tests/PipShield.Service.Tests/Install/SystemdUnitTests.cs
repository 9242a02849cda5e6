using System.Diagnostics;
using PipShield.Service.Hosting;
using PipShield.Service.Hosting.Install;
using PipShield.Service.Tests.Hosting;

namespace PipShield.Service.Tests.Install;

/// <summary>The unit file <c>pipshield service install</c> writes, read back key by key.</summary>
public sealed class SystemdUnitTests
{
    private static UnitFile Render(params string[] execStart) => new(new SystemdUnit { ExecStart = execStart }.Render());

    [Fact]
    public void Unit_IsANotifyService_StartingTheInstalledProgram()
    {
        UnitFile unit = Render("/opt/pipshield/pipshield");

        Assert.Equal(["Unit", "Service", "Install"], unit.Sections);
        Assert.Equal("notify", unit["Service", "Type"]);
        Assert.Equal("/opt/pipshield/pipshield run", unit["Service", "ExecStart"]);
        Assert.Equal("/bin/kill -HUP $MAINPID", unit["Service", "ExecReload"]);
        Assert.Equal("on-failure", unit["Service", "Restart"]);
        Assert.Matches("^[0-9]+s$", unit["Service", "TimeoutStopSec"]);
        Assert.Equal("multi-user.target", unit["Install", "WantedBy"]);
    }

    [Fact]
    public void Unit_RunsAsADynamicUser_WithOnlyTheRightToBindLowPorts()
    {
        UnitFile unit = Render("/opt/pipshield/pipshield");

        Assert.Equal("yes", unit["Service", "DynamicUser"]);
        Assert.Empty(unit.All("Service", "User"));
        Assert.Equal("CAP_NET_BIND_SERVICE", unit["Service", "AmbientCapabilities"]);
        Assert.Equal("CAP_NET_BIND_SERVICE", unit["Service", "CapabilityBoundingSet"]);
        Assert.Equal(
            ("strict", "yes", "yes", "yes"),
            (unit["Service", "ProtectSystem"], unit["Service", "ProtectHome"], unit["Service", "PrivateTmp"], unit["Service", "NoNewPrivileges"]));
        foreach (string key in new[] { "PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules", "ProtectControlGroups", "RestrictNamespaces", "RestrictSUIDSGID", "LockPersonality" })
        {
            Assert.Equal("yes", unit["Service", key]);
        }

        // The JIT needs memory that is written and then executed.
        Assert.Empty(unit.All("Service", "MemoryDenyWriteExecute"));
    }

    [Fact]
    public void Unit_KeepsCompiledListsInTheStateDirectory_AndReadsConfigurationFromEtcPipshield()
    {
        UnitFile unit = Render("/opt/pipshield/pipshield");

        Assert.Equal("pipshield", unit["Service", "StateDirectory"]);
        Assert.Equal("pipshield", unit["Service", "ConfigurationDirectory"]);
        Assert.Equal("/etc/pipshield", unit["Service", "WorkingDirectory"]); // pipshield.json is read from there
        string state = Assert.Single(unit.All("Service", "Environment"), e => e.StartsWith("PIPSHIELD__", StringComparison.Ordinal));
        string[] nameAndValue = state.Split('=', 2);
        // The variable must reach ListsOptions.StateDirectory through the PIPSHIELD__ environment provider.
        Assert.Equal($"{ListsOptions.SectionName}:{nameof(ListsOptions.StateDirectory)}", nameAndValue[0]["PIPSHIELD__".Length..].Replace("__", ":", StringComparison.Ordinal));
        Assert.Equal("/var/lib/pipshield", nameAndValue[1]);
    }

    [Fact]
    public void Unit_QuotesPathsWithSpaces_AndEscapesSystemdSpecifiers()
    {
        UnitFile unit = Render("/opt/pip shield/dotnet", "/opt/100%/pipshield.dll");

        Assert.Equal("\"/opt/pip shield/dotnet\" /opt/100%%/pipshield.dll run", unit["Service", "ExecStart"]);
    }

    [Fact]
    public void Unit_PointsTheAppHostAtTheInstallersDotnet_OnlyWhenGivenOne()
    {
        UnitFile with = new(new SystemdUnit { ExecStart = ["/opt/pipshield/pipshield"], DotnetRoot = "/opt/dot net" }.Render());
        UnitFile without = Render("/opt/pipshield/pipshield");

        Assert.Contains("\"DOTNET_ROOT=/opt/dot net\"", with.All("Service", "Environment"));
        Assert.DoesNotContain(without.All("Service", "Environment"), e => e.StartsWith("DOTNET_ROOT", StringComparison.Ordinal));
    }

    [Fact]
    public void Unit_CanGrantMoreCapabilities_OnBothLines()
    {
        UnitFile unit = new(new SystemdUnit { ExecStart = ["/opt/pipshield/pipshield"], Capabilities = ["CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN"] }.Render());

        Assert.Equal("CAP_NET_BIND_SERVICE CAP_NET_ADMIN", unit["Service", "AmbientCapabilities"]);
        Assert.Equal("CAP_NET_BIND_SERVICE CAP_NET_ADMIN", unit["Service", "CapabilityBoundingSet"]);
    }

    [Fact]
    public async Task Unit_PassesSystemdAnalyzeVerify()
    {
        string? analyze = new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(analyze is null, "systemd-analyze is not installed");
        Assert.SkipWhen(PipShieldProcess.Program is null, "the pipshield apphost is not next to the tests");
        string folder = Directory.CreateTempSubdirectory("pipshield-unit-").FullName;
        try
        {
            string path = Path.Combine(folder, SystemdUnit.UnitName);
            await File.WriteAllTextAsync(path, new SystemdUnit { ExecStart = [PipShieldProcess.Program!], DotnetRoot = InstalledProgram.DotnetRoot() }.Render(), TestContext.Current.CancellationToken);
            var start = new ProcessStartInfo(analyze!, ["verify", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using Process verify = Process.Start(start)!;
            Task<string> stdout = verify.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            Task<string> stderr = verify.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await verify.WaitForExitAsync(timeout.Token);
            string output = await stdout + await stderr;

            Assert.Equal(0, verify.ExitCode);
            // Unknown keys and bad values are only warnings ("file:line: Unknown key ..."), so look for any about our file.
            Assert.DoesNotContain(SystemdUnit.UnitName, output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
