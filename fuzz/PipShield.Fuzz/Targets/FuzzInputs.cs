namespace PipShield.Fuzz.Targets;

/// <summary>
/// Where a target's inputs live in the repository: <c>fuzz/corpus/TARGET/</c> (seeds) and
/// <c>fuzz/regressions/TARGET/</c> (inputs that once found a bug). Shared by the replay mode and the tests.
/// </summary>
internal static class FuzzInputs
{
    /// <summary>
    /// Every input file under <paramref name="directories"/>, in a stable order. Dot-files (.gitkeep) and
    /// dot-folders (afl-fuzz's queue/.state) are left out.
    /// </summary>
    public static IEnumerable<string> Files(params string[] directories) =>
        directories
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories)
                .Where(f => !Path.GetRelativePath(d, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.'))))
            .Order(StringComparer.Ordinal);

    /// <summary>The corpus and regression folders of <paramref name="target"/> under the repository's <c>fuzz/</c> folder.</summary>
    public static string[] Directories(string fuzzRoot, string target) =>
    [
        Path.Combine(fuzzRoot, "corpus", target),
        Path.Combine(fuzzRoot, "regressions", target),
    ];
}
