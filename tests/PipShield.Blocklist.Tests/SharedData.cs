namespace PipShield.Blocklist.Tests;

/// <summary>
/// Locates the real-feed test data kept outside the repository at <c>&lt;repository parent&gt;/shared/data</c>
/// (see its README for what each file holds). Set <c>PIPSHIELD_SHARED_DATA</c> to use another folder.
/// </summary>
public static class SharedData
{
    private const string EnvironmentVariable = "PIPSHIELD_SHARED_DATA";

    private static readonly Lazy<string?> Found = new(Find);

    /// <summary>The data folder, or null when it is not there.</summary>
    public static string? Directory => Found.Value;

    /// <summary>Where the data folder is expected, for skip messages.</summary>
    public static string ExpectedLocation
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrEmpty(configured))
            {
                return configured;
            }

            string? repositoryRoot = FindRepositoryRoot();
            return repositoryRoot is null
                ? "<repository parent>/shared/data"
                : Path.Combine(Path.GetDirectoryName(repositoryRoot) ?? repositoryRoot, "shared", "data");
        }
    }

    /// <summary>The data folder; skips the calling test (Assert.Skip) when it is missing.</summary>
    public static string RequireDirectory()
    {
        string? directory = Directory;
        if (directory is null)
        {
            Assert.Skip($"shared test data not found at {ExpectedLocation}: real-feed test skipped");
        }

        return directory;
    }

    /// <summary>
    /// The full path of <paramref name="fileName"/> in the data folder. When the folder or the file is missing the
    /// calling test is skipped (Assert.Skip), so machines without the data still pass.
    /// </summary>
    public static string RequirePath(string fileName)
    {
        string directory = RequireDirectory();
        string path = Path.Combine(directory, fileName);
        if (!File.Exists(path))
        {
            Assert.Skip($"shared test data file {fileName} not found in {directory}: real-feed test skipped");
        }

        return path;
    }

    private static string? Find()
    {
        string? configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return System.IO.Directory.Exists(configured) ? configured : null;
        }

        // Walk up from the test binaries (…/tests/X/bin/Debug/net10.0) to the first folder with shared/data beside it.
        for (DirectoryInfo? current = new(AppContext.BaseDirectory); current is not null; current = current.Parent)
        {
            string candidate = Path.Combine(current.FullName, "shared", "data");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? FindRepositoryRoot()
    {
        for (DirectoryInfo? current = new(AppContext.BaseDirectory); current is not null; current = current.Parent)
        {
            if (File.Exists(Path.Combine(current.FullName, "PipShield.sln")))
            {
                return current.FullName;
            }
        }

        return null;
    }
}
