namespace PipShield.Service.Cli;

/// <summary>A failure the user can fix (bad argument, missing file); the message is the whole one-line report.</summary>
internal sealed class CliException(string message) : Exception(message);
