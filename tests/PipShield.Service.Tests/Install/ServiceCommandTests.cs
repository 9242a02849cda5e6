using System.CommandLine;
using PipShield.Service.Cli;
using PipShield.Service.Hosting.Install;
using PipShield.Service.Tests.Cli;

namespace PipShield.Service.Tests.Install;

/// <summary><c>pipshield service install|uninstall</c> on Linux, into a temporary unit folder, with systemctl recorded.</summary>
public sealed class ServiceCommandTests : IDisposable
{
    private const string Program = "/opt/pipshield/pipshield";
    private readonly string _unitDir = Directory.CreateTempSubdirectory("pipshield-units-").FullName;
    private readonly string _configDir = Directory.CreateTempSubdirectory("pipshield-etc-").FullName;

    public ServiceCommandTests() => Assert.SkipUnless(OperatingSystem.IsLinux(), "the systemd installer runs on Linux only");

    public void Dispose()
    {
        Directory.Delete(_unitDir, recursive: true);
        Directory.Delete(_configDir, recursive: true);
    }

    private string UnitPath => Path.Combine(_unitDir, SystemdUnit.UnitName);

    private string ConfigPath => Path.Combine(_configDir, "pipshield.json");

    private CliRun Run(RecordingRunner runner, bool privileged, params string[] args) => RunProgram(runner, privileged, Program, args);

    private CliRun RunProgram(RecordingRunner runner, bool privileged, string program, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var context = new InstallContext { IsPrivileged = () => privileged, Runner = runner, Program = () => [program], DotnetRoot = () => "/usr/lib/dotnet" };
        var root = new RootCommand { ServiceCommand.Create(new CliConsole(stdout, stderr, TextReader.Null), context) };
        int exitCode = root.Parse([.. args, "--unit-dir", _unitDir, "--config-dir", _configDir]).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        return new CliRun(exitCode, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Install_WithNoStart_WritesTheUnit_AndPrintsTheCommandsItSkipped()
    {
        var runner = new RecordingRunner();

        CliRun run = Run(runner, privileged: true, "service", "install", "--no-start");

        Assert.Equal(0, run.ExitCode);
        var unit = new UnitFile(File.ReadAllText(UnitPath));
        Assert.Equal($"{Program} run", unit["Service", "ExecStart"]);
        Assert.Contains("DOTNET_ROOT=/usr/lib/dotnet", unit.All("Service", "Environment"));
        Assert.Contains($"Wrote {UnitPath}", run.StdoutLines);
        Assert.Contains("Skipped (--no-start): systemctl daemon-reload", run.StdoutLines);
        Assert.Contains("Skipped (--no-start): systemctl enable --now pipshield.service", run.StdoutLines);
        Assert.Empty(runner.Commands);
    }

    [Fact]
    public void Uninstall_WithNoStart_RemovesTheUnit()
    {
        var runner = new RecordingRunner();
        Assert.Equal(0, Run(runner, privileged: true, "service", "install", "--no-start").ExitCode);

        CliRun run = Run(runner, privileged: true, "service", "uninstall", "--no-start");

        Assert.Equal(0, run.ExitCode);
        Assert.False(File.Exists(UnitPath));
        Assert.Contains($"Removed {UnitPath}", run.StdoutLines);
        Assert.Empty(runner.Commands);
    }

    [Fact]
    public void Install_ReloadsSystemd_ThenEnablesAndStartsTheService()
    {
        var runner = new RecordingRunner();

        CliRun run = Run(runner, privileged: true, "service", "install");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["systemctl daemon-reload", "systemctl enable --now pipshield.service"], runner.Commands.Select(c => c.ToString()));
        Assert.Contains("Ran systemctl enable --now pipshield.service", run.StdoutLines);
    }

    [Fact]
    public void Uninstall_StopsAndDisables_RemovesTheUnit_ThenReloadsSystemd()
    {
        var runner = new RecordingRunner();
        Assert.Equal(0, Run(runner, privileged: true, "service", "install").ExitCode);
        runner.Commands.Clear();

        CliRun run = Run(runner, privileged: true, "service", "uninstall");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["systemctl disable --now pipshield.service", $"{Program} firewall remove", "systemctl daemon-reload"], runner.Commands.Select(c => c.ToString()));
        Assert.False(File.Exists(UnitPath));
    }

    [Fact]
    public void Install_WithFirewall_GivesTheServiceCapNetAdmin_OnBothCapabilityLines()
    {
        CliRun plain = Run(new RecordingRunner(), privileged: true, "service", "install", "--no-start");
        Assert.Equal("CAP_NET_BIND_SERVICE", new UnitFile(File.ReadAllText(UnitPath))["Service", "AmbientCapabilities"]);

        CliRun run = Run(new RecordingRunner(), privileged: true, "service", "install", "--no-start", "--firewall");

        Assert.Equal((0, 0), (plain.ExitCode, run.ExitCode));
        var unit = new UnitFile(File.ReadAllText(UnitPath));
        Assert.Equal("CAP_NET_BIND_SERVICE CAP_NET_ADMIN", unit["Service", "AmbientCapabilities"]);
        Assert.Equal("CAP_NET_BIND_SERVICE CAP_NET_ADMIN", unit["Service", "CapabilityBoundingSet"]);
        Assert.Contains(run.StdoutLines, l => l.Contains("Firewall", StringComparison.Ordinal) && l.Contains("Enabled", StringComparison.Ordinal));
    }

    [Fact]
    public void Uninstall_WhenRemovingTheFirewallRulesFails_StillRemovesTheService_AndSaysHowToRemoveThem()
    {
        Assert.Equal(0, Run(new RecordingRunner(), privileged: true, "service", "install", "--no-start").ExitCode);
        var runner = new RecordingRunner(c => c.Arguments.Contains("firewall") ? new CommandResult(1, "nft: Operation not permitted") : new CommandResult(0, string.Empty));

        CliRun run = Run(runner, privileged: true, "service", "uninstall");

        Assert.Equal(0, run.ExitCode);
        Assert.False(File.Exists(UnitPath));
        Assert.Contains(run.StdoutLines, l => l.Contains("nft delete table inet pipshield", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("install")]
    [InlineData("uninstall")]
    public void Service_WhenNotRoot_RefusesWithOneLine_AndChangesNothing(string action)
    {
        var runner = new RecordingRunner();
        Assert.Equal(0, Run(runner, privileged: true, "service", "install", "--no-start").ExitCode);
        string before = File.ReadAllText(UnitPath);
        File.Delete(UnitPath);
        if (action == "uninstall")
        {
            File.WriteAllText(UnitPath, before);
        }

        CliRun run = Run(runner, privileged: false, "service", action);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"pipshield: service {action} changes system services and needs root; run it with sudo", Assert.Single(run.StderrLines));
        Assert.Equal(action == "uninstall", File.Exists(UnitPath));
        Assert.Empty(runner.Commands);
    }

    [Fact]
    public void Install_DryRun_PrintsTheUnitAndCommands_WithoutPrivilege_AndWritesNothing()
    {
        var runner = new RecordingRunner();

        CliRun run = Run(runner, privileged: false, "service", "install", "--dry-run");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Type=notify", run.StdoutLines);
        Assert.Contains("Would run: systemctl enable --now pipshield.service", run.StdoutLines);
        Assert.False(File.Exists(UnitPath));
        Assert.Empty(runner.Commands);
    }

    [Fact]
    public void Install_LeavesAUnitItDidNotWriteAlone()
    {
        File.WriteAllText(UnitPath, "[Service]\nExecStart=/usr/local/bin/something-else\n");

        CliRun run = Run(new RecordingRunner(), privileged: true, "service", "install", "--no-start");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("was not written by pipshield", Assert.Single(run.StderrLines), StringComparison.Ordinal);
        Assert.Equal("[Service]\nExecStart=/usr/local/bin/something-else\n", File.ReadAllText(UnitPath));
    }

    [Fact]
    public void Install_WhenSystemctlFails_NamesTheCommandAndItsError()
    {
        var runner = new RecordingRunner(_ => new CommandResult(1, "Failed to connect to bus: No such file or directory"));

        CliRun run = Run(runner, privileged: true, "service", "install");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("pipshield: 'systemctl daemon-reload' failed (exit 1): Failed to connect to bus: No such file or directory", Assert.Single(run.StderrLines));
        Assert.Single(runner.Commands); // nothing is enabled after a failed reload
    }

    [Fact]
    public void PipshieldCli_HasTheServiceCommand()
    {
        CliRun run = CliWorkspace.Run("service", "install", "--dry-run", "--unit-dir", _unitDir, "--config-dir", _configDir);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("[Service]", run.StdoutLines);
        Assert.False(File.Exists(UnitPath));
        Assert.False(File.Exists(ConfigPath));
    }

    [Fact]
    public void Install_WritesAStarterConfig_ThatTheServiceAccepts_AndAnswersOnLoopbackPort53ByDefault()
    {
        Assert.Equal(0, Run(new RecordingRunner(), privileged: true, "service", "install", "--no-start").ExitCode);

        CliRun check = CliWorkspace.Run("config", "check", ConfigPath);

        Assert.Equal(0, check.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(ConfigPath));
        Assert.Equal(["127.0.0.1:53", "[::1]:53"], json.RootElement.GetProperty("Resolver").GetProperty("Server").GetProperty("ListenEndPoints").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Install_WritesTheListenAddressesGiven_ButKeepsAnExistingConfig()
    {
        CliRun first = Run(new RecordingRunner(), privileged: true, "service", "install", "--no-start", "--listen", "192.0.2.10:53", "--listen", "[2001:db8::10]:53");
        string written = File.ReadAllText(ConfigPath);
        File.WriteAllText(ConfigPath, written.Replace("192.0.2.10", "192.0.2.11", StringComparison.Ordinal));

        CliRun second = Run(new RecordingRunner(), privileged: true, "service", "install", "--no-start", "--listen", "192.0.2.99:53");

        Assert.Equal((0, 0), (first.ExitCode, second.ExitCode));
        Assert.Contains("\"192.0.2.10:53\"", written, StringComparison.Ordinal);
        Assert.Contains("\"[2001:db8::10]:53\"", written, StringComparison.Ordinal);
        Assert.Contains($"Kept the existing {ConfigPath}", second.StdoutLines);
        Assert.Contains("192.0.2.11", File.ReadAllText(ConfigPath), StringComparison.Ordinal);
    }

    [Fact]
    public void Install_RefusesAListenAddressWithoutAPort_BeforeWritingAnything()
    {
        CliRun run = Run(new RecordingRunner(), privileged: true, "service", "install", "--no-start", "--listen", "192.0.2.10");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--listen: '192.0.2.10'", Assert.Single(run.StderrLines), StringComparison.Ordinal);
        Assert.False(File.Exists(UnitPath));
        Assert.False(File.Exists(ConfigPath));
    }

    [Theory]
    [InlineData("/home/alice/pipshield/pipshield", "ProtectHome=yes")]
    [InlineData("/tmp/build/pipshield", "PrivateTmp=yes")]
    public void Install_RefusesAProgramTheSandboxWouldHide(string program, string setting)
    {
        CliRun run = RunProgram(new RecordingRunner(), privileged: true, program, "service", "install", "--no-start");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"pipshield: {program} would be hidden from the service by {setting}; install from a copy under /opt or /usr/local (dotnet publish -o /opt/pipshield)", Assert.Single(run.StderrLines));
        Assert.False(File.Exists(UnitPath));
    }

    [Fact]
    public void Uninstall_KeepsTheConfiguration()
    {
        Assert.Equal(0, Run(new RecordingRunner(), privileged: true, "service", "install", "--no-start").ExitCode);

        CliRun run = Run(new RecordingRunner(), privileged: true, "service", "uninstall", "--no-start");

        Assert.Equal(0, run.ExitCode);
        Assert.True(File.Exists(ConfigPath));
        Assert.Contains(run.StdoutLines, l => l.StartsWith($"Left {_configDir} and /var/lib/pipshield in place", StringComparison.Ordinal));
    }
}
