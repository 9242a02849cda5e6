using System.Globalization;
using System.Text;

namespace PipShield.Service.Firewall;

/// <summary>
/// Writes the nftables ruleset for <c>nft -f -</c>: PipShield's own table, <c>inet pipshield</c>, replaced whole in
/// one transaction. The script first declares the table (so the delete cannot fail when it does not exist yet),
/// deletes it, then defines it again; nft applies the file atomically, so there is never a moment without rules.
/// </summary>
internal static class NftRuleset
{
    public const string Table = "pipshield";

    /// <summary>Names of the dynamic sets that record source . destination of every dropped packet.</summary>
    public const string Hits4 = "hits4";

    /// <inheritdoc cref="Hits4"/>
    public const string Hits6 = "hits6";

    /// <summary>How long a device's entry stays in the hits sets after its last dropped packet.</summary>
    public static readonly TimeSpan HitTimeout = TimeSpan.FromHours(1);

    /// <summary>The script that removes the table (and does nothing when it is not there).</summary>
    public static string Removal => $"table inet {Table}\ndelete table inet {Table}\n";

    /// <summary>The whole ruleset for <paramref name="targets"/>.</summary>
    /// <param name="targets">The ranges to block.</param>
    /// <param name="options">Mode, action and DNS bypass settings.</param>
    public static string Build(FirewallTargets targets, FirewallOptions options)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(options);
        var text = new StringBuilder(64 * 1024 + (targets.Ipv4.Count + targets.Ipv6.Count) * 24);
        text.Append("# PipShield outbound enforcement: ").Append(targets.Ipv4.Count).Append(" IPv4 and ")
            .Append(targets.Ipv6.Count).Append(" IPv6 ranges. Generated; replaced on every list update.\n");
        text.Append(Removal);
        text.Append("table inet ").Append(Table).Append(" {\n");
        text.Append("  counter dropped4 { }\n");
        text.Append("  counter dropped6 { }\n");
        text.Append("  counter bypass { }\n");
        AppendSet(text, "blocked4", "ipv4_addr", targets.Ipv4);
        AppendSet(text, "blocked6", "ipv6_addr", targets.Ipv6);
        string timeout = ((int)HitTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
        text.Append("  set ").Append(Hits4).Append(" { type ipv4_addr . ipv4_addr; flags dynamic,timeout; timeout ").Append(timeout).Append("; counter; }\n");
        text.Append("  set ").Append(Hits6).Append(" { type ipv6_addr . ipv6_addr; flags dynamic,timeout; timeout ").Append(timeout).Append("; counter; }\n");

        string verdict = options.Action == FirewallAction.Reject ? "reject with icmpx admin-prohibited" : "drop";
        AppendChain(text, "output", "filter hook output priority filter", verdict, bypass: null);
        if (options.Mode == FirewallMode.Gateway)
        {
            string? bypass = options.StopDnsBypass ? BypassRules(options) : null;
            AppendChain(text, "forward", "filter hook forward priority filter", verdict, bypass);
            if (options.StopDnsBypass && options.BypassAction == BypassAction.Redirect)
            {
                string port = options.RedirectPort.ToString(CultureInfo.InvariantCulture);
                text.Append("  chain dns_redirect {\n");
                text.Append("    type nat hook prerouting priority dstnat; policy accept;\n");
                text.Append("    # Plain DNS a device sends to another resolver is answered by PipShield instead.\n");
                text.Append("    fib daddr type != local udp dport 53 redirect to :").Append(port).Append('\n');
                text.Append("    fib daddr type != local tcp dport 53 redirect to :").Append(port).Append('\n');
                text.Append("  }\n");
            }
        }

        text.Append("}\n");
        return text.ToString();
    }

    private static string BypassRules(FirewallOptions options)
    {
        // Forwarded traffic is by definition not addressed to this machine, so any DNS in it bypasses PipShield.
        // DNS-over-TLS cannot be redirected (the device checks the server's certificate), so it is always dropped.
        return options.BypassAction == BypassAction.Redirect
            ? "    tcp dport 853 counter name \"bypass\" drop\n"
            : "    meta l4proto { tcp, udp } th dport 53 counter name \"bypass\" drop\n    tcp dport 853 counter name \"bypass\" drop\n";
    }

    private static void AppendSet(StringBuilder text, string name, string type, IReadOnlyList<AddressRange> ranges)
    {
        text.Append("  set ").Append(name).Append(" {\n    type ").Append(type).Append("; flags interval;\n");
        if (ranges.Count > 0)
        {
            text.Append("    elements = {\n");
            for (int i = 0; i < ranges.Count; i++)
            {
                text.Append("      ").Append(ranges[i].ToString()).Append(i + 1 < ranges.Count ? ",\n" : "\n");
            }

            text.Append("    }\n");
        }

        text.Append("  }\n");
    }

    private static void AppendChain(StringBuilder text, string name, string hook, string verdict, string? bypass)
    {
        text.Append("  chain ").Append(name).Append(" {\n");
        text.Append("    type ").Append(hook).Append("; policy accept;\n");
        text.Append("    ip daddr @blocked4 update @").Append(Hits4).Append(" { ip saddr . ip daddr } counter name \"dropped4\" ").Append(verdict).Append('\n');
        text.Append("    ip6 daddr @blocked6 update @").Append(Hits6).Append(" { ip6 saddr . ip6 daddr } counter name \"dropped6\" ").Append(verdict).Append('\n');
        text.Append(bypass);
        text.Append("  }\n");
    }
}
