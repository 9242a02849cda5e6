using System.ComponentModel.DataAnnotations;

namespace PipShield.Resolver.Upstream;

/// <summary>Where unanswered queries are forwarded, and how long PipShield waits for them.</summary>
public sealed class UpstreamOptions
{
    public const string SectionName = "Resolver:Upstream";

    /// <summary>
    /// The protective resolvers used when <see cref="Servers"/> is empty, encrypted so that what leaves PipShield is
    /// private: Quad9 over DNS-over-TLS, then Cloudflare's malware-blocking service over DNS-over-HTTPS (a network that
    /// blocks port 853 still gets answers), so an unfiltered name still passes a second threat filter.
    /// </summary>
    public static IReadOnlyList<string> DefaultServers { get; } =
    [
        "tls://9.9.9.9#dns.quad9.net",
        "tls://149.112.112.112#dns.quad9.net",
        "https://1.1.1.2/dns-query#security.cloudflare-dns.com",
        "https://1.0.0.2/dns-query#security.cloudflare-dns.com",
    ];

    /// <summary>
    /// Upstream resolvers, each plain DNS <c>ADDR[:PORT]</c> (<c>[v6]:port</c> for IPv6 with a port; port 53 when absent),
    /// DNS-over-TLS <c>tls://ADDR[:PORT][#NAME]</c> (853) or DNS-over-HTTPS <c>https://ADDR[:PORT]/PATH[#NAME]</c> (443),
    /// where NAME is the name the server's certificate must carry (see <see cref="UpstreamAddress"/>).
    /// Default empty, meaning <see cref="DefaultServers"/> (Quad9 9.9.9.9 and 149.112.112.112 over TLS, Cloudflare
    /// 1.1.1.2 and 1.0.0.2 over HTTPS); an empty default, because configuration binding appends to a pre-filled list.
    /// </summary>
    public List<string> Servers { get; set; } = [];

    /// <summary>
    /// A PEM file of the CAs that encrypted upstreams' certificates must chain to, instead of the system's trusted roots
    /// (for a resolver of your own with a private CA). Default none: the system's roots.
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>How long one attempt (one server and protocol, a connection's handshake included) waits for a reply. Default 2 seconds.</summary>
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
            if (!UpstreamAddress.TryParse(servers[i], out _, out string? error))
            {
                errors.Add($"{SectionName}:Servers:{i}: {error}");
            }
        }

        if (!string.IsNullOrWhiteSpace(CaFile) && !File.Exists(CaFile))
        {
            errors.Add($"{SectionName}:CaFile: '{CaFile}' does not exist");
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
