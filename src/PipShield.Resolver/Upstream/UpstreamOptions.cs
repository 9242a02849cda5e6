using System.ComponentModel.DataAnnotations;

namespace PipShield.Resolver.Upstream;

/// <summary>Where unanswered queries are forwarded, and how long PipShield waits for them.</summary>
public sealed class UpstreamOptions
{
    public const string SectionName = "Resolver:Upstream";

    /// <summary>
    /// The protective resolvers used when <see cref="Servers"/> is empty: Quad9 and Cloudflare's malware-blocking
    /// service, so an unfiltered name still passes a second threat filter.
    /// </summary>
    public static IReadOnlyList<string> DefaultServers { get; } = ["9.9.9.9", "149.112.112.112", "1.1.1.2", "1.0.0.2"];

    /// <summary>
    /// Upstream resolvers as <c>ADDR[:PORT]</c> (<c>[v6]:port</c> for IPv6 with a port; port 53 when absent).
    /// Default empty, meaning <see cref="DefaultServers"/> (Quad9 9.9.9.9 and 149.112.112.112, Cloudflare 1.1.1.2
    /// and 1.0.0.2); an empty default, because configuration binding appends to a pre-filled list.
    /// </summary>
    public List<string> Servers { get; set; } = [];

    /// <summary>How long one attempt (one server, one UDP query) waits for a reply. Default 2 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a query may spend upstream over all attempts, TCP retries included. Default 5 seconds.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most attempts per query, each on the next server in order. Default 3.</summary>
    [Range(1, 16)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>How long a server that failed <see cref="FailureThreshold"/> times in a row is skipped before it is tried again. Default 30 seconds.</summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive failures (timeouts, network errors, REFUSED, unusable replies) that mark a server down. Default 3.</summary>
    [Range(1, 100)]
    public int FailureThreshold { get; set; } = 3;

    /// <summary>The servers in effect: <see cref="Servers"/>, or <see cref="DefaultServers"/> when it is empty.</summary>
    public IReadOnlyList<string> EffectiveServers => Servers.Count > 0 ? Servers : DefaultServers;

    /// <summary>Checks the cross-field rules that attributes cannot express.</summary>
    /// <returns>One message per problem, each naming its key; empty when the options are usable.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        IReadOnlyList<string> servers = EffectiveServers;
        if (servers.Count > UpstreamPool.MaxServers)
        {
            errors.Add($"{SectionName}:Servers: at most {UpstreamPool.MaxServers} servers, not {servers.Count}");
        }

        for (int i = 0; i < servers.Count; i++)
        {
            if (!UpstreamEndPoint.TryParse(servers[i], out _))
            {
                errors.Add($"{SectionName}:Servers:{i}: '{servers[i]}' is not ADDR[:PORT]");
            }
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromSeconds(30))
        {
            errors.Add($"{SectionName}:Timeout: must be above 0 and at most 30 seconds, not {Timeout}");
        }

        if (Deadline < Timeout || Deadline > TimeSpan.FromSeconds(60))
        {
            errors.Add($"{SectionName}:Deadline: must be at least Timeout ({Timeout}) and at most 60 seconds, not {Deadline}");
        }

        if (RecoveryInterval < TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:RecoveryInterval: must not be negative");
        }

        if (MaxAttempts is < 1 or > 16)
        {
            errors.Add($"{SectionName}:MaxAttempts: must be 1 to 16, not {MaxAttempts}");
        }

        if (FailureThreshold is < 1 or > 100)
        {
            errors.Add($"{SectionName}:FailureThreshold: must be 1 to 100, not {FailureThreshold}");
        }

        return errors;
    }
}
