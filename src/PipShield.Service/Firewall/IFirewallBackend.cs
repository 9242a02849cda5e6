namespace PipShield.Service.Firewall;

/// <summary>One platform's firewall: renders the block ranges as its script, applies it, removes it.</summary>
internal interface IFirewallBackend
{
    /// <summary>The platform's name in logs, e.g. <c>nftables</c>.</summary>
    string Name { get; }

    /// <summary>The script that replaces PipShield's rules with <paramref name="targets"/>.</summary>
    string Render(FirewallTargets targets);

    /// <summary>The script that removes PipShield's rules.</summary>
    string RenderRemoval();

    /// <summary>Runs a script from <see cref="Render"/> or <see cref="RenderRemoval"/>; never throws for a tool failure.</summary>
    Task<ToolRun> RunAsync(string script, CancellationToken cancellationToken);
}
