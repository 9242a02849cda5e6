namespace PipShield.Service.Hosting.Install;

/// <summary>What the installers need from the machine, injectable so tests can run them unprivileged or as root.</summary>
internal sealed class InstallContext
{
    /// <summary>Whether the process may change system services (root, or an elevated Administrator).</summary>
    public Func<bool> IsPrivileged { get; init; } = () => Environment.IsPrivilegedProcess;

    public ICommandRunner Runner { get; init; } = new ProcessCommandRunner();

    /// <summary>The program and leading arguments that start this build (see <see cref="InstalledProgram"/>).</summary>
    public Func<IReadOnlyList<string>> Program { get; init; } = InstalledProgram.Current;

    /// <summary>The .NET install the service should use (see <see cref="InstalledProgram.DotnetRoot"/>); null for none.</summary>
    public Func<string?> DotnetRoot { get; init; } = InstalledProgram.DotnetRoot;
}
