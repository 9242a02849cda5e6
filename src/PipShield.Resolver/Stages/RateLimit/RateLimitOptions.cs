using System.ComponentModel.DataAnnotations;
using PipShield.Blocklist;

namespace PipShield.Resolver.Stages.RateLimit;

/// <summary>
/// Response-rate limiting over UDP, per client prefix: a token bucket per /24 (IPv4) or /56 (IPv6) that refills at
/// <see cref="ResponsesPerSecond"/> and holds <see cref="Burst"/>. Over the limit, every <see cref="Slip"/>th
/// response is a truncated answer (TC=1) so a real client retries over TCP, which is never limited.
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "Resolver:RateLimit";

    /// <summary>Steady UDP responses per second to one client prefix; 0 turns rate limiting off. Default 200.</summary>
    [Range(0, 1_000_000)]
    public int ResponsesPerSecond { get; set; } = 200;

    /// <summary>Responses a prefix that has been quiet may get at once, above the steady rate. Default 400 (two seconds' worth).</summary>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 400;

    /// <summary>
    /// Every Nth limited response is sent truncated (TC=1, no records) so a real client retries over TCP; the others are
    /// dropped. 1 truncates every limited response, 0 drops them all. Default 2.
    /// </summary>
    [Range(0, 100)]
    public int Slip { get; set; } = 2;

    /// <summary>IPv4 clients sharing this many leading bits share a limit. Default 24.</summary>
    [Range(8, 32)]
    public int IPv4PrefixLength { get; set; } = 24;

    /// <summary>IPv6 clients sharing this many leading bits share a limit (a /56 is one customer site). Default 56.</summary>
    [Range(16, 128)]
    public int IPv6PrefixLength { get; set; } = 56;

    /// <summary>
    /// Client prefixes tracked at once, rounded up to a power of two; 32 bytes each, allocated at start. When full, the
    /// prefix seen least recently in a slot's set of four gives way. Default 16 384 (512 KiB).
    /// </summary>
    [Range(64, 16_777_216)]
    public int TableSize { get; set; } = 16_384;

    /// <summary>
    /// Client prefixes never limited, e.g. <c>["127.0.0.0/8", "::1/128"]</c> (the service's shipped configuration).
    /// They are also free of the per-client share of upstream waits (a quarter of them), as the host itself or a
    /// forwarder asks for many devices. Default empty: every client is limited.
    /// </summary>
    public List<string> Exempt { get; set; } = [];

    /// <summary>True when limits apply at all.</summary>
    public bool IsEnabled => ResponsesPerSecond > 0;

    /// <summary>Checks every key, including the exempt prefixes, for callers that skip attribute validation.</summary>
    /// <returns>One message per problem, each naming its key; empty when the options are usable.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Check(errors, nameof(ResponsesPerSecond), ResponsesPerSecond, 0, 1_000_000);
        Check(errors, nameof(Burst), Burst, 1, 10_000_000);
        Check(errors, nameof(Slip), Slip, 0, 100);
        Check(errors, nameof(IPv4PrefixLength), IPv4PrefixLength, 8, 32);
        Check(errors, nameof(IPv6PrefixLength), IPv6PrefixLength, 16, 128);
        Check(errors, nameof(TableSize), TableSize, 64, 16_777_216);
        for (int i = 0; i < Exempt.Count; i++)
        {
            if (!IpPrefix.TryParse(Exempt[i].Trim(), out _, out string? error))
            {
                errors.Add($"{SectionName}:Exempt:{i}: '{Exempt[i]}': {error}");
            }
        }

        return errors;
    }

    private static void Check(List<string> errors, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{SectionName}:{key}: must be {min} to {max}, not {value}");
        }
    }
}
