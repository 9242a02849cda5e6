using System.Text.RegularExpressions;

namespace PipShield.Resolver.Tests;

/// <summary>House rules from STYLE.md that the compiler cannot check, read from the source tree.</summary>
public sealed partial class ConventionTests
{
    private static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PipShield.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No PipShield.sln above {AppContext.BaseDirectory}.");
    }

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));

    [Fact]
    public void EveryStageFolder_HasAReadme()
    {
        foreach (string folder in Directory.GetDirectories(Path.Combine(Root, "src", "PipShield.Resolver", "Stages")))
        {
            Assert.True(File.Exists(Path.Combine(folder, "README.md")), $"{folder} has no README.md");
        }
    }

    [Fact]
    public void LoggerMessageEventIds_AreUnique_AndInTheirProjectsRange()
    {
        var seen = new Dictionary<int, string>();
        foreach (string file in SourceFiles())
        {
            foreach (Match match in EventIdPattern().Matches(File.ReadAllText(file)))
            {
                int id = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                Assert.False(seen.TryGetValue(id, out string? other), $"event id {id} is used in {file} and {other}");
                seen[id] = file;
                string project = file.Contains("PipShield.Blocklist") ? "Blocklist" : file.Contains("PipShield.Resolver") ? "Resolver" : "Service";
                (int low, int high) = project switch { "Blocklist" => (1000, 1999), "Resolver" => (2000, 2999), _ => (3000, 3999) };
                Assert.True(id >= low && id <= high, $"event id {id} in {file} is outside {project}'s range {low}–{high}");
            }
        }

        Assert.NotEmpty(seen);
    }

    [Fact]
    public void NothingInSrc_IsAsyncVoid()
    {
        foreach (string file in SourceFiles())
        {
            Assert.False(AsyncVoidPattern().IsMatch(File.ReadAllText(file)), $"{file} declares an async void method");
        }
    }

    [Fact]
    public void Dependencies_PointOneWay()
    {
        string blocklist = File.ReadAllText(Path.Combine(Root, "src", "PipShield.Blocklist", "PipShield.Blocklist.csproj"));
        string resolver = File.ReadAllText(Path.Combine(Root, "src", "PipShield.Resolver", "PipShield.Resolver.csproj"));

        Assert.DoesNotContain("PipShield.Resolver", blocklist);
        Assert.DoesNotContain("PipShield.Service", blocklist);
        Assert.DoesNotContain("PipShield.Service", resolver);
    }

    [GeneratedRegex(@"EventId\s*=\s*(\d+)")]
    private static partial Regex EventIdPattern();

    [GeneratedRegex(@"\basync\s+void\b")]
    private static partial Regex AsyncVoidPattern();
}
