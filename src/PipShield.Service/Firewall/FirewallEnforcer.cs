using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using PipShield.Blocklist.Lookup;
using PipShield.Resolver.Upstream;

namespace PipShield.Service.Firewall;

/// <summary>
/// Puts an image's blocked IP ranges into the platform's firewall and takes them out again. Used by the service on
/// start-up and after every list update, and by <c>pipshield firewall</c>. Failures are logged and returned, never thrown.
/// </summary>
internal sealed class FirewallEnforcer(FirewallOptions options, IFirewallBackend backend, IReadOnlyList<IPAddress> exempt, ILogger logger)
{
    public IFirewallBackend Backend => backend;

    /// <summary>The platform's backend: Windows Firewall on Windows, nftables elsewhere.</summary>
    public static IFirewallBackend BackendFor(FirewallOptions options) =>
        OperatingSystem.IsWindows() ? new WindowsFirewallBackend() : new NftBackend(options);

    /// <summary>The upstream resolvers' addresses, which are never blocked (a feed listing one would cut off DNS).</summary>
    public static IReadOnlyList<IPAddress> UpstreamAddresses(UpstreamOptions upstream)
    {
        var addresses = new List<IPAddress>();
        foreach (string server in upstream.EffectiveServers)
        {
            if (UpstreamAddress.TryParse(server, out UpstreamAddress? upstreamAddress, out _))
            {
                IPAddress address = upstreamAddress.EndPoint.Address;
                addresses.Add(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
            }
        }

        return addresses;
    }

    /// <summary>The ranges to block for <paramref name="image"/> (none for null); logs what had to be cut out.</summary>
    /// <param name="image">The caller keeps it alive (holds a lease) during the call.</param>
    public FirewallTargets Targets(BlocklistImage? image)
    {
        if (image is null)
        {
            return FirewallTargets.Empty;
        }

        FirewallTargets targets = FirewallTargets.From(image, exempt);
        if (targets.SkippedCount > 0)
        {
            FirewallLog.Skipped(logger, targets.SkippedCount, string.Join(", ", targets.Skipped));
        }

        return targets;
    }

    /// <summary>Replaces the rules with <paramref name="targets"/> in one run of the firewall tool.</summary>
    public async Task<ToolRun> ApplyAsync(FirewallTargets targets, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        ToolRun run = await backend.RunAsync(backend.Render(targets), cancellationToken).ConfigureAwait(false);
        if (run.Succeeded)
        {
            FirewallLog.Applied(logger, backend.Name, targets.Ipv4.Count, targets.Ipv6.Count, options.Mode, options.Action, stopwatch.Elapsed.TotalSeconds);
        }
        else
        {
            FirewallLog.ApplyFailed(logger, backend.Name, run.Problem);
        }

        return run;
    }

    /// <summary>Removes PipShield's rules; succeeds when there are none.</summary>
    public async Task<ToolRun> RemoveAsync(CancellationToken cancellationToken)
    {
        ToolRun run = await backend.RunAsync(backend.RenderRemoval(), cancellationToken).ConfigureAwait(false);
        if (run.Succeeded)
        {
            FirewallLog.Removed(logger, backend.Name);
        }
        else
        {
            FirewallLog.RemoveFailed(logger, backend.Name, run.Problem);
        }

        return run;
    }
}
