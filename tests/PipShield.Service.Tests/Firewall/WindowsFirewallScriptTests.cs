using System.Text;
using PipShield.Blocklist.Lookup;
using PipShield.Service.Firewall;

namespace PipShield.Service.Tests.Firewall;

public sealed class WindowsFirewallScriptTests
{
    private static string Build(string list)
    {
        using BlocklistImage image = FirewallImages.Compile(list);
        return WindowsFirewallScript.Build(FirewallTargets.From(image, []));
    }

    private static string[] Rules(string script) =>
        [.. script.Split('\n').Where(l => l.StartsWith("New-NetFirewallRule", StringComparison.Ordinal))];

    [Fact]
    public void Script_RemovesTheOldGroup_BeforeAddingRules_AndStopsOnError()
    {
        string script = Build("192.0.2.0/24\n");

        int remove = script.IndexOf("Get-NetFirewallRule -Group 'PipShield' -ErrorAction SilentlyContinue | Remove-NetFirewallRule", StringComparison.Ordinal);
        int add = script.IndexOf("New-NetFirewallRule", StringComparison.Ordinal);
        Assert.True(remove >= 0 && remove < add, script);
        Assert.StartsWith("$ErrorActionPreference = 'Stop'", script.Split('\n')[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Script_BlocksIpv4AndIpv6_OutboundInOneNamedRule()
    {
        string rule = Assert.Single(Rules(Build("192.0.2.0/24\n198.51.100.7\n2001:db8::/32\n")));

        Assert.Equal(
            "New-NetFirewallRule -Name 'PipShield block 001' -DisplayName 'PipShield block 001' -Group 'PipShield' "
            + "-Direction Outbound -Action Block -Profile Any -RemoteAddress @('192.0.2.0/24','198.51.100.7','2001:db8::/32') | Out-Null",
            rule);
    }

    [Fact]
    public void Script_SplitsIntoRulesOfAtMostTheAddressLimit()
    {
        var list = new StringBuilder();
        for (int i = 0; i < WindowsFirewallScript.AddressesPerRule * 2 + 5; i++)
        {
            // Every other address, so no two entries merge into one range.
            list.Append("10.").Append(i / 128).Append('.').Append(i % 128 * 2).Append(".1\n");
        }

        string[] rules = Rules(Build(list.ToString()));

        Assert.Equal(3, rules.Length);
        Assert.Contains("'PipShield block 003'", rules[2], StringComparison.Ordinal);
        Assert.Equal([1000, 1000, 5], rules.Select(r => r.Count(c => c == ',') + 1));
    }

    [Fact]
    public void Script_WithoutIpRules_OnlyRemovesTheOldRules()
    {
        Assert.Empty(Rules(Build("# nothing\n")));
    }

    [Fact]
    public void Quote_DoublesSingleQuotes_SoNothingCanEscapeTheString()
    {
        Assert.Equal("'it''s $(not) run'", WindowsFirewallScript.Quote("it's $(not) run"));
    }

    [Fact]
    public void Removal_RemovesTheWholeGroupOnly()
    {
        Assert.Equal(
            "$ErrorActionPreference = 'Stop'\nGet-NetFirewallRule -Group 'PipShield' -ErrorAction SilentlyContinue | Remove-NetFirewallRule\n",
            WindowsFirewallScript.Removal);
    }
}
