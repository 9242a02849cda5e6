using System.Globalization;
using PipShield.Blocklist;
using PipShield.Blocklist.Parsing;

namespace PipShield.Service.Cli;

/// <summary>How enums and ratios are written in command output: the lower-case names the config uses.</summary>
internal static class CliText
{
    public static string Format(ListFormat format) => format switch
    {
        ListFormat.Hosts => "hosts",
        ListFormat.Domains => "domains",
        ListFormat.Adblock => "adblock",
        ListFormat.Rpz => "rpz",
        ListFormat.Ip => "ip",
        _ => format.ToString().ToLowerInvariant(),
    };

    public static string Action(RuleAction action) => action switch
    {
        RuleAction.Default => "default",
        RuleAction.Sinkhole => "sinkhole",
        RuleAction.NxDomain => "nxdomain",
        RuleAction.NoData => "nodata",
        RuleAction.Refused => "refused",
        RuleAction.Drop => "drop",
        RuleAction.LocalData => "localdata",
        _ => action.ToString().ToLowerInvariant(),
    };

    /// <summary><c>12.3</c>, or <c>-</c> when there is nothing to divide by.</summary>
    public static string BytesPer(long bytes, long count) =>
        count == 0 ? "-" : ((double)bytes / count).ToString("0.0", CultureInfo.InvariantCulture);
}
