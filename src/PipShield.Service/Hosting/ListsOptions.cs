using System.ComponentModel.DataAnnotations;

namespace PipShield.Service.Hosting;

/// <summary>Which blocklists the service loads at start-up.</summary>
public sealed class ListsOptions
{
    public const string SectionName = "Lists";

    /// <summary>A compiled image to map (from <c>pipshield compile</c>). When set, <see cref="Sources"/> and
    /// <see cref="SourcesFile"/> are ignored. Default none.</summary>
    public string? Image { get; set; }

    /// <summary>A sources file (the <c>pipshield compile --config</c> format) compiled at start-up. Relative paths
    /// are resolved against the program's folder. Default <c>blocklists/sources.json</c> (the samples).</summary>
    public string? SourcesFile { get; set; }

    /// <summary>More lists as <c>path[:format][:category]</c>, compiled at start-up after the sources file. Default none.</summary>
    public List<string> Sources { get; set; } = [];

    /// <summary>Where images compiled at start-up are written. Default: a <c>pipshield</c> folder in the temp directory.</summary>
    public string? StateDirectory { get; set; }

    /// <summary>
    /// How often the files behind the lists (the image, or the sources file and its lists) are checked for
    /// changes; a change reloads them without a restart, as <c>SIGHUP</c> does. Zero turns the check off.
    /// Default 2 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Lists:ReloadCheckInterval must be between 0 and 1 day")]
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(2);
}
