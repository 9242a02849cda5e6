using PipShield.Blocklist.Lookup;
using PipShield.Service.Firewall;

namespace PipShield.Service.Tests.Firewall;

public sealed class NftRulesetTests
{
    private static string Build(FirewallOptions options, string list = "192.0.2.0/24\n2001:db8::/32\n")
    {
        using BlocklistImage image = FirewallImages.Compile(list);
        return NftRuleset.Build(FirewallTargets.From(image, []), options);
    }

    [Fact]
    public void Ruleset_ReplacesItsOwnTableOnly_InOneScript()
    {
        string script = Build(new FirewallOptions());

        // Declare (so the delete never fails), delete, define: nft runs the file as one transaction.
        int declare = script.IndexOf("table inet pipshield\n", StringComparison.Ordinal);
        int delete = script.IndexOf("delete table inet pipshield\n", StringComparison.Ordinal);
        int define = script.IndexOf("table inet pipshield {", StringComparison.Ordinal);
        Assert.True(declare >= 0 && declare < delete && delete < define, script);
        Assert.DoesNotContain("flush ruleset", script, StringComparison.Ordinal);
        Assert.DoesNotContain("table ip ", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Ruleset_InHostMode_DropsListedPrefixesOnOutputOnly_AndRecordsHits()
    {
        string script = Build(new FirewallOptions());

        Assert.Contains("type ipv4_addr; flags interval;", script, StringComparison.Ordinal);
        Assert.Contains("      192.0.2.0/24\n", script, StringComparison.Ordinal);
        Assert.Contains("      2001:db8::/32\n", script, StringComparison.Ordinal);
        Assert.Contains("type filter hook output priority filter", script, StringComparison.Ordinal);
        Assert.DoesNotContain("hook forward", script, StringComparison.Ordinal);
        Assert.Contains("ip daddr @blocked4 update @hits4 { ip saddr . ip daddr } counter name \"dropped4\" drop", script, StringComparison.Ordinal);
        Assert.Contains("ip6 daddr @blocked6 update @hits6 { ip6 saddr . ip6 daddr } counter name \"dropped6\" drop", script, StringComparison.Ordinal);
        Assert.Contains("set hits4 { type ipv4_addr . ipv4_addr; flags dynamic,timeout; timeout 3600s; counter; }", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Ruleset_WithRejectAction_AnswersAdminProhibited()
    {
        string script = Build(new FirewallOptions { Action = FirewallAction.Reject });

        Assert.Contains("counter name \"dropped4\" reject with icmpx admin-prohibited", script, StringComparison.Ordinal);
        Assert.DoesNotContain("\" drop\n", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Ruleset_InGatewayMode_AlsoFiltersForwardedTraffic()
    {
        string script = Build(new FirewallOptions { Mode = FirewallMode.Gateway });

        Assert.Contains("type filter hook forward priority filter", script, StringComparison.Ordinal);
        Assert.DoesNotContain("dport 53", script, StringComparison.Ordinal); // bypass stopping is off by default
    }

    [Fact]
    public void Ruleset_StoppingDnsBypassByDrop_DropsForwardedDnsAndDot()
    {
        string script = Build(new FirewallOptions { Mode = FirewallMode.Gateway, StopDnsBypass = true });

        Assert.Contains("meta l4proto { tcp, udp } th dport 53 counter name \"bypass\" drop", script, StringComparison.Ordinal);
        Assert.Contains("tcp dport 853 counter name \"bypass\" drop", script, StringComparison.Ordinal);
        Assert.DoesNotContain("redirect", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Ruleset_StoppingDnsBypassByRedirect_SendsPlainDnsToThePort_AndStillDropsDot()
    {
        string script = Build(new FirewallOptions { Mode = FirewallMode.Gateway, StopDnsBypass = true, BypassAction = BypassAction.Redirect, RedirectPort = 5353 });

        Assert.Contains("type nat hook prerouting priority dstnat", script, StringComparison.Ordinal);
        Assert.Contains("fib daddr type != local udp dport 53 redirect to :5353", script, StringComparison.Ordinal);
        Assert.Contains("fib daddr type != local tcp dport 53 redirect to :5353", script, StringComparison.Ordinal);
        Assert.Contains("tcp dport 853 counter name \"bypass\" drop", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Ruleset_InHostMode_IgnoresBypassSettings()
    {
        string script = Build(new FirewallOptions { StopDnsBypass = true, BypassAction = BypassAction.Redirect });

        Assert.DoesNotContain("dport 53", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Ruleset_WithoutIpRules_HasEmptySetsWithoutAnElementsClause()
    {
        using BlocklistImage image = FirewallImages.Compile("example.org\n", format: PipShield.Blocklist.Parsing.ListFormat.Domains);

        string script = NftRuleset.Build(FirewallTargets.From(image, []), new FirewallOptions());

        Assert.DoesNotContain("elements", script, StringComparison.Ordinal); // nft refuses "elements = { }"
        Assert.Contains("set blocked4", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Removal_DeletesOnlyThePipShieldTable_AndCannotFailWhenItIsMissing()
    {
        Assert.Equal("table inet pipshield\ndelete table inet pipshield\n", NftRuleset.Removal);
    }
}
