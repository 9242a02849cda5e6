namespace PipShield.Service.Tests.Feeds;

/// <summary>
/// Feed files for the tests: real feeds from the shared data folder beside the repository
/// (<c>&lt;repository parent&gt;/shared/data</c>, or <c>PIPSHIELD_SHARED_DATA</c>), and small hand-made ones
/// in <c>tests/TestData/Feeds</c>.
/// </summary>
internal static class FeedData
{
    /// <summary>A hand-made file from <c>tests/TestData/Feeds</c>.</summary>
    public static byte[] HandMade(string fileName) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "Feeds", fileName));

    /// <summary>A real feed file; skips the calling test with a clear message when the shared data is absent.</summary>
    public static byte[] Shared(string fileName)
    {
        string? folder = Environment.GetEnvironmentVariable("PIPSHIELD_SHARED_DATA");
        if (string.IsNullOrEmpty(folder))
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "PipShield.sln")))
                {
                    folder = Path.Combine(dir.Parent?.FullName ?? dir.FullName, "shared", "data");
                    break;
                }
            }
        }

        string? path = folder is null ? null : Path.Combine(folder, fileName);
        if (path is null || !File.Exists(path))
        {
            Assert.Skip($"shared test data {fileName} not found (expected in {folder ?? "<repository parent>/shared/data"}): real-feed test skipped");
        }

        return File.ReadAllBytes(path);
    }

    /// <summary>Entries of a plain domain list: lines that are neither blank nor comments.</summary>
    public static int DomainLines(byte[] list) =>
        System.Text.Encoding.UTF8.GetString(list).Split('\n').Count(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'));
}
