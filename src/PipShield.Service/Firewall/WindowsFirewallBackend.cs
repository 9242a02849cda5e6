namespace PipShield.Service.Firewall;

/// <summary>Windows Firewall through the NetSecurity PowerShell cmdlets.</summary>
internal sealed class WindowsFirewallBackend : IFirewallBackend
{
    // Adding a few hundred rules of 1,000 addresses each takes a while on Windows.
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    public string Name => "Windows Firewall";

    public string Render(FirewallTargets targets) => WindowsFirewallScript.Build(targets);

    public string RenderRemoval() => WindowsFirewallScript.Removal;

    public Task<ToolRun> RunAsync(string script, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsWindows())
        {
            return Task.FromResult(new ToolRun(ToolOutcome.NotFound, -1, string.Empty, "Windows Firewall rules can only be applied on Windows"));
        }

        return ToolRun.RunAsync("powershell", ["-NoProfile", "-NonInteractive", "-Command", "-"], script, Timeout, cancellationToken);
    }
}
