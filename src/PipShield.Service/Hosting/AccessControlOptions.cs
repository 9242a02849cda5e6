namespace PipShield.Service.Hosting;

/// <summary>Who may query. Access control is always on: PipShield is never an open resolver.</summary>
public sealed class AccessControlOptions
{
    public const string SectionName = "Resolver:AccessControl";

    /// <summary>Prefixes allowed to query. Default empty, meaning loopback and private/link-local ranges only.</summary>
    public List<string> Allow { get; set; } = [];
}
