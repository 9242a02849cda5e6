using PipShield.Service.Hosting.Install;

namespace PipShield.Service.Tests.Install;

/// <summary>The sc.exe command lines for Windows, checked as text (never run here).</summary>
public sealed class WindowsServiceCommandsTests
{
    private static readonly WindowsServiceCommands Commands = new([@"C:\Program Files\PipShield\pipshield.exe"], @"C:\ProgramData\PipShield");

    [Fact]
    public void Install_CreatesAnAutoStartService_RunningAsLocalService_WithItsConfigFile()
    {
        ExternalCommand create = Commands.Install().Single(c => c.Arguments[0] == "create");

        Assert.Equal(
            "sc.exe create PipShield binPath= \"\\\"C:\\Program Files\\PipShield\\pipshield.exe\\\" run --config C:\\ProgramData\\PipShield\\pipshield.json\" start= auto obj= \"NT AUTHORITY\\LocalService\" DisplayName= \"PipShield protective DNS\"",
            create.ToString());
        Assert.Equal("\"C:\\Program Files\\PipShield\\pipshield.exe\" run --config C:\\ProgramData\\PipShield\\pipshield.json", create.Arguments[3]);
    }

    [Fact]
    public void Install_SetsTheDescription_AndRestartsOnFailure()
    {
        string[] lines = [.. Commands.Install().Select(c => c.ToString())];

        Assert.Contains("sc.exe description PipShield \"Answers DNS for this network and sinkholes names on the configured block lists.\"", lines);
        Assert.Contains("sc.exe failure PipShield reset= 86400 actions= restart/5000/restart/5000/restart/60000", lines);
        Assert.Contains("sc.exe failureflag PipShield 1", lines);
    }

    [Fact]
    public void Install_LetsTheServiceAccountWriteOnlyTheStateFolder()
    {
        Assert.Equal(@"icacls C:\ProgramData\PipShield\state /grant ""NT AUTHORITY\LocalService:(OI)(CI)M""", Commands.Install()[0].ToString());
    }

    [Fact]
    public void StartStopDelete_NameTheService()
    {
        Assert.Equal(("sc.exe start PipShield", "sc.exe stop PipShield", "sc.exe delete PipShield"),
            (Commands.Start.ToString(), Commands.Stop.ToString(), Commands.Delete.ToString()));
    }

    [Fact]
    public void StarterConfig_PointsTheCompiledListsAtTheStateFolder()
    {
        using var json = System.Text.Json.JsonDocument.Parse(StarterConfig.Render(StarterConfig.DefaultListen, Commands.StateDirectory));

        Assert.Equal(@"C:\ProgramData\PipShield\state", json.RootElement.GetProperty("Lists").GetProperty("StateDirectory").GetString());
    }

    [Fact]
    public void WindowsInstaller_WhenNotAdministrator_RefusesBeforeDoingAnything()
    {
        var runner = new RecordingRunner();
        var output = new StringWriter();
        var installer = new WindowsInstaller(new InstallContext { IsPrivileged = () => false, Runner = runner, Program = () => [@"C:\pipshield\pipshield.exe"] }, output, @"C:\ProgramData\PipShield");

        var error = Assert.Throws<InstallException>(() => installer.Install(new InstallOptions()));

        Assert.Equal("service install changes system services and needs an elevated Administrator prompt", error.Message);
        Assert.Empty(runner.Commands);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public void WindowsInstaller_DryRun_PrintsEveryCommand_AndRunsNone()
    {
        var runner = new RecordingRunner();
        var output = new StringWriter { NewLine = "\n" };
        var installer = new WindowsInstaller(new InstallContext { IsPrivileged = () => false, Runner = runner, Program = () => [@"C:\pipshield\pipshield.exe"] }, output, @"C:\ProgramData\PipShield");

        installer.Install(new InstallOptions { DryRun = true });

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("Would run: sc.exe start PipShield", lines);
        Assert.Equal(6, lines.Count(l => l.StartsWith("Would run: ", StringComparison.Ordinal)));
        Assert.Empty(runner.Commands);
    }
}
