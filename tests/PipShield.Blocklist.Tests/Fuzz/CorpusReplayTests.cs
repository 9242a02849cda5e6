using PipShield.Blocklist.Lookup;
using PipShield.Fuzz.Targets;

namespace PipShield.Blocklist.Tests.Fuzz;

/// <summary>
/// Replays the committed fuzz inputs (fuzz/corpus/TARGET, fuzz/regressions/TARGET) through the harness's own
/// lists and image targets, so every crash the fuzzer ever found stays fixed without a fuzzer installed.
/// </summary>
public sealed class CorpusReplayTests
{
    private static readonly string FuzzRoot = Path.Combine(AppContext.BaseDirectory, "fuzz");

    public static TheoryData<string> ListsInputs() => Inputs(ListsTarget.Name);

    public static TheoryData<string> ImageInputs() => Inputs(ImageTarget.Name);

    public static TheoryData<string> ValidImageSeeds() =>
        [.. Inputs(ImageTarget.Name).Select(row => row.Data).Where(f => Path.GetFileName(f).StartsWith("valid-", StringComparison.Ordinal))];

    [Theory]
    [MemberData(nameof(ListsInputs))]
    public void ListsTarget_FindsNothing_InCommittedInput(string input) =>
        ListsTarget.Run(File.ReadAllBytes(Path.Combine(FuzzRoot, input)));

    [Theory]
    [MemberData(nameof(ImageInputs))]
    public void ImageTarget_FindsNothing_InCommittedInput(string input) =>
        ImageTarget.Run(File.ReadAllBytes(Path.Combine(FuzzRoot, input)));

    /// <summary>The image seeds only help the fuzzer while they are images this build accepts; after a format
    /// change, regenerate them with <c>write-seeds</c> (fuzz/README.md).</summary>
    [Theory]
    [MemberData(nameof(ValidImageSeeds))]
    public void ImageSeed_OpensWithFullVerification(string input)
    {
        using var image = BlocklistImage.FromBytes(File.ReadAllBytes(Path.Combine(FuzzRoot, input)));
        Assert.True(image.DomainRuleCount + image.IpRuleCount > 0);
    }

    private static TheoryData<string> Inputs(string target) =>
        [.. FuzzInputs.Files(FuzzInputs.Directories(FuzzRoot, target)).Select(f => Path.GetRelativePath(FuzzRoot, f))];
}
