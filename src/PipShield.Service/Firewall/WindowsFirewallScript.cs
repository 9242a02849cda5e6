using System.Globalization;
using System.Text;

namespace PipShield.Service.Firewall;

/// <summary>
/// Writes the PowerShell script that puts the block ranges into Windows Firewall as outbound block rules, in the
/// group <c>PipShield</c>, named <c>PipShield block 001</c>, <c>PipShield block 002</c>… The script removes the
/// old group and adds the new rules in one run, stopping at the first error.
/// </summary>
internal static class WindowsFirewallScript
{
    public const string Group = "PipShield";

    /// <summary>
    /// Addresses (single, prefix or range) per rule. Microsoft documents no limit for -RemoteAddress, but rules
    /// with more than 1,000 entries are reported to fail (issue 1 of MichaelApproved/powershell-block-windows-attack
    /// on GitHub; IPBan and EvlWatcher split their rules for the same reason), so each rule holds at most 1,000.
    /// </summary>
    public const int AddressesPerRule = 1000;

    /// <summary>The script that removes every PipShield rule (and does nothing when there are none).</summary>
    public static string Removal =>
        "$ErrorActionPreference = 'Stop'\n"
        + $"Get-NetFirewallRule -Group {Quote(Group)} -ErrorAction SilentlyContinue | Remove-NetFirewallRule\n";

    /// <summary>The whole script for <paramref name="targets"/>, IPv4 ranges first.</summary>
    public static string Build(FirewallTargets targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var text = new StringBuilder();
        text.Append("# PipShield outbound enforcement: ").Append(targets.Ipv4.Count).Append(" IPv4 and ")
            .Append(targets.Ipv6.Count).Append(" IPv6 ranges. Generated; replaced on every list update.\n");
        text.Append(Removal);
        var all = new List<AddressRange>(targets.Ipv4.Count + targets.Ipv6.Count);
        all.AddRange(targets.Ipv4);
        all.AddRange(targets.Ipv6);
        int rule = 0;
        for (int start = 0; start < all.Count; start += AddressesPerRule)
        {
            rule++;
            string name = Quote(string.Create(CultureInfo.InvariantCulture, $"{Group} block {rule:D3}"));
            text.Append("New-NetFirewallRule -Name ").Append(name).Append(" -DisplayName ").Append(name)
                .Append(" -Group ").Append(Quote(Group))
                .Append(" -Direction Outbound -Action Block -Profile Any -RemoteAddress @(");
            int end = Math.Min(start + AddressesPerRule, all.Count);
            for (int i = start; i < end; i++)
            {
                text.Append(i > start ? "," : string.Empty).Append(Quote(all[i].ToString()));
            }

            text.Append(") | Out-Null\n");
        }

        return text.ToString();
    }

    /// <summary>A PowerShell single-quoted string: nothing inside is expanded; a quote is written twice.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
