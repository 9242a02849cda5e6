namespace PipShield.Service.Hosting.Install;

/// <summary>Runs <c>systemctl</c> or <c>sc.exe</c> for the installers; tests substitute a recorder.</summary>
internal interface ICommandRunner
{
    /// <returns>The exit code and output; a program that cannot be started gives exit code -1 and the reason.</returns>
    CommandResult Run(ExternalCommand command);
}
