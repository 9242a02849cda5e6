namespace PipShield.Service.Hosting;

/// <summary>What <c>pipshield run</c> was given on the command line; each overrides the configuration.</summary>
internal sealed class RunSettings
{
    /// <summary><c>--listen ADDR:PORT</c>, repeatable.</summary>
    public List<string> Listen { get; init; } = [];

    /// <summary><c>--upstream ADDR[:PORT]</c>, <c>tls://ADDR[:PORT][#NAME]</c> or <c>https://ADDR[:PORT]/PATH[#NAME]</c>, repeatable.</summary>
    public List<string> Upstreams { get; init; } = [];

    /// <summary><c>--image FILE</c>.</summary>
    public string? Image { get; init; }

    /// <summary><c>--list SOURCE</c>, repeatable: compiled at start.</summary>
    public List<string> Lists { get; init; } = [];

    /// <summary><c>--config FILE</c>; default <c>pipshield.json</c> in the working directory when present.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Other settings as configuration keys (tests).</summary>
    public Dictionary<string, string?> Overrides { get; init; } = [];

    /// <summary>Last changes to the services before the host is built (tests: a fake device directory).</summary>
    public Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? Services { get; init; }
}
