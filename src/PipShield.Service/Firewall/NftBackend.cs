namespace PipShield.Service.Firewall;

/// <summary>nftables through the <c>nft</c> program: one <c>nft -f -</c> transaction per change.</summary>
internal sealed class NftBackend(FirewallOptions options) : IFirewallBackend
{
    // Loading 200,000 ranges takes a few seconds (docs/ENFORCEMENT.md); a minute allows for a slow, busy machine.
    private static readonly TimeSpan ApplyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    public string Name => "nftables";

    public string Render(FirewallTargets targets) => NftRuleset.Build(targets, options);

    public string RenderRemoval() => NftRuleset.Removal;

    public Task<ToolRun> RunAsync(string script, CancellationToken cancellationToken) =>
        ToolRun.RunAsync(options.NftPath, ["-f", "-"], script, ApplyTimeout, cancellationToken);

    /// <summary>Reads a hits set as JSON (<c>nft -j list set inet pipshield hits4</c>).</summary>
    public Task<ToolRun> ListSetAsync(string set, CancellationToken cancellationToken) =>
        ToolRun.RunAsync(options.NftPath, ["-j", "list", "set", "inet", NftRuleset.Table, set], null, ReadTimeout, cancellationToken);
}
