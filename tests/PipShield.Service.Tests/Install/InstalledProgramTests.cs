using PipShield.Service.Hosting.Install;

namespace PipShield.Service.Tests.Install;

/// <summary>The ExecStart / binPath program: the apphost when there is one, otherwise dotnet and the dll.</summary>
public sealed class InstalledProgramTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pipshield-program-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Command_IsTheAppHost_WhenItIsNextToTheDll()
    {
        string appHost = Path.Combine(_folder, OperatingSystem.IsWindows() ? "pipshield.exe" : "pipshield");
        File.WriteAllText(appHost, string.Empty);
        File.WriteAllText(Path.Combine(_folder, "pipshield.dll"), string.Empty);

        Assert.Equal([appHost], InstalledProgram.Command(_folder, "/usr/lib/dotnet/dotnet"));
    }

    [Fact]
    public void Command_IsTheRunningDotnetAndTheDll_WithoutAnAppHost()
    {
        File.WriteAllText(Path.Combine(_folder, "pipshield.dll"), string.Empty);

        Assert.Equal(["/usr/lib/dotnet/dotnet", Path.Combine(_folder, "pipshield.dll")], InstalledProgram.Command(_folder, "/usr/lib/dotnet/dotnet"));
    }
}
