namespace PipShield.Service.Hosting.Install;

/// <summary>An install or uninstall step that cannot go on; the message is the whole one-line report.</summary>
internal sealed class InstallException(string message) : Exception(message);
