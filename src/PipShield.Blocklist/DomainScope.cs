namespace PipShield.Blocklist;

/// <summary>Which names a domain rule covers, relative to the name it is written with.</summary>
public enum DomainScope : byte
{
    /// <summary>The name and every name below it (hosts, plain and AdBlock lists).</summary>
    NameAndSubdomains = 0,

    /// <summary>Only names strictly below it (<c>*.example.org</c>).</summary>
    SubdomainsOnly = 1,

    /// <summary>Only the name itself (an RPZ owner name without a wildcard).</summary>
    NameOnly = 2,
}
