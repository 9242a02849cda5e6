using PipShield.Service.Hosting.Install;

namespace PipShield.Service.Tests.Install;

/// <summary>Records the commands an installer runs instead of running them; answers each with <paramref name="answer"/>.</summary>
internal sealed class RecordingRunner(Func<ExternalCommand, CommandResult>? answer = null) : ICommandRunner
{
    public List<ExternalCommand> Commands { get; } = [];

    public CommandResult Run(ExternalCommand command)
    {
        Commands.Add(command);
        return answer?.Invoke(command) ?? new CommandResult(0, string.Empty);
    }
}
