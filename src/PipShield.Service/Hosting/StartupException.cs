namespace PipShield.Service.Hosting;

/// <summary>Start-up cannot go on; the message is one line naming the setting or file and the problem.</summary>
internal sealed class StartupException(string message) : Exception(message);
