namespace PipShield.Service.Hosting.Install;

/// <summary>How an external command ended: its exit code and what it printed (stdout then stderr).</summary>
internal readonly record struct CommandResult(int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;
}
