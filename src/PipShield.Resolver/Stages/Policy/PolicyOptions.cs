using System.ComponentModel.DataAnnotations;
using PipShield.Blocklist;

namespace PipShield.Resolver.Stages.Policy;

/// <summary>How blocked names are answered.</summary>
public sealed class PolicyOptions
{
    public const string SectionName = "Resolver:Policy";

    /// <summary>Action for categories not listed in <see cref="CategoryActions"/>. Default sinkhole.</summary>
    public RuleAction DefaultAction { get; set; } = RuleAction.Sinkhole;

    /// <summary>Action per category (phishing, malware, c2, …). Default empty.</summary>
    public Dictionary<string, RuleAction> CategoryActions { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>IPv4 address of the warning page answered for blocked A queries. Default 0.0.0.0 (unroutable) until a block page is set up.</summary>
    public string SinkholeIPv4 { get; set; } = "0.0.0.0";

    /// <summary>IPv6 address of the warning page answered for blocked AAAA queries. Default ::.</summary>
    public string SinkholeIPv6 { get; set; } = "::";

    /// <summary>
    /// Contact URIs (<c>mailto:</c>, <c>tel:</c>, <c>https:</c>) sent as "c" in structured Extended DNS Error text to
    /// clients that ask for it. Structured text is sent only when this has at least one entry. Default: filled
    /// from <c>BlockPage:ReportAddress</c>.
    /// </summary>
    public List<string> StructuredErrorContacts { get; set; } = [];

    /// <summary>Organisation sent as "o" in structured Extended DNS Error text. Default: <c>BlockPage:Organisation</c>.</summary>
    [StringLength(200)]
    public string? StructuredErrorOrganisation { get; set; }

    /// <summary>TTL of blocked answers and of their SOA (negative caching). Default 60 seconds.</summary>
    [Range(0, 86400)]
    public int BlockTtlSeconds { get; set; } = 60;
}
