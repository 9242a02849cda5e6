using System.Net;
using Microsoft.Extensions.Logging;
using PipShield.Blocklist;
using PipShield.Blocklist.Lookup;
using PipShield.Resolver.Stages.Policy;
using PipShield.Service.Alerts;

namespace PipShield.Service.Firewall;

/// <summary>
/// Turns the hits sets (who sent packets to a listed address) into alerts: each poll reads both sets and reports
/// every source → destination whose packet count grew since the last poll, with the listed prefix and list it hit.
/// </summary>
internal sealed class FirewallHitPoller(NftBackend backend, ImageHolder images, IAlertReporter reporter, TimeProvider time, ILogger logger)
{
    private Dictionary<(IPAddress, IPAddress), long> _last = [];

    /// <summary>Reads the sets once and reports what grew.</summary>
    /// <returns>How many signals were reported; -1 when a set could not be read.</returns>
    public async Task<int> PollAsync(CancellationToken cancellationToken)
    {
        var current = new Dictionary<(IPAddress, IPAddress), long>();
        foreach (string set in (string[])[NftRuleset.Hits4, NftRuleset.Hits6])
        {
            ToolRun run = await backend.ListSetAsync(set, cancellationToken).ConfigureAwait(false);
            if (!run.Succeeded)
            {
                FirewallLog.HitsUnreadable(logger, run.Problem);
                return -1;
            }

            try
            {
                foreach (NftHits.Hit hit in NftHits.Parse(run.Output))
                {
                    current[(hit.Source, hit.Destination)] = hit.Packets;
                }
            }
            catch (System.Text.Json.JsonException ex)
            {
                FirewallLog.HitsUnreadable(logger, $"nft printed something other than JSON for {set}: {ex.Message}");
                return -1;
            }
        }

        int reported = 0;
        DateTimeOffset now = time.GetUtcNow();
        using ImageHolder.Lease lease = images.Acquire();
        foreach (((IPAddress source, IPAddress destination), long packets) in current)
        {
            // A smaller count than last time means the table was replaced (a list update) and counting restarted.
            long before = _last.TryGetValue((source, destination), out long seen) && seen <= packets ? seen : 0;
            if (packets <= before)
            {
                continue;
            }

            (string rule, string category, string list) = Describe(lease.Image, destination);
            reporter.Report(new AlertSignal(AlertKind.BlockedConnection, source.ToString(), rule, category, list, now, packets - before));
            reported++;
        }

        _last = current;
        return reported;
    }

    private static (string Rule, string Category, string Source) Describe(BlocklistImage? image, IPAddress destination)
    {
        if (image is not null)
        {
            RuleMatch match = image.Match(destination);
            if (match.Verdict == Verdict.Blocked)
            {
                ImageSource source = image.GetSource(match);
                return (BlocklistImage.FormatRule(match, destination), source.Category, source.Name);
            }
        }

        // Listed when the packet was dropped, not in the image now (a list update since): still worth an alert.
        return (destination.ToString(), string.Empty, string.Empty);
    }
}
