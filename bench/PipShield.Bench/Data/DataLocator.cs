namespace PipShield.Bench.Data;

/// <summary>
/// Finds the shared real-data folder (<c>shared/data</c>, a sibling of the repository root; see its README).
/// It is looked for in every ancestor of the current directory and of the application directory;
/// <c>PIPSHIELD_DATA</c> overrides the search.
/// </summary>
internal static class DataLocator
{
    public const string UmbrellaFile = "umbrella-top-100k.csv";

    private static readonly Lazy<string?> Found = new(Search);

    /// <summary>The folder, or null when it is not on this machine (the benchmarks then use generated data only).</summary>
    public static string? DataDirectory => Found.Value;

    public static string Describe() => DataDirectory is { } dir
        ? $"Real data: {dir}"
        : "Real data: shared/data not found beside the repository (and PIPSHIELD_DATA not set); using generated lists only.";

    private static string? Search()
    {
        if (Environment.GetEnvironmentVariable("PIPSHIELD_DATA") is { Length: > 0 } given)
        {
            return File.Exists(Path.Combine(given, UmbrellaFile)) ? Path.GetFullPath(given) : null;
        }

        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "data");
                if (File.Exists(Path.Combine(candidate, UmbrellaFile)))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
