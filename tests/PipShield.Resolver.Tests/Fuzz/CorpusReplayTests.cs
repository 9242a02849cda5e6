using PipShield.Fuzz.Targets;

namespace PipShield.Resolver.Tests.Fuzz;

/// <summary>
/// Replays the committed fuzz inputs (fuzz/corpus/TARGET, fuzz/regressions/TARGET) through the harness's own
/// query and answer targets, so every crash the fuzzer ever found stays fixed without a fuzzer installed.
/// </summary>
public sealed class CorpusReplayTests
{
    private static readonly string FuzzRoot = Path.Combine(AppContext.BaseDirectory, "fuzz");

    public static TheoryData<string> QueryInputs() => Inputs(QueryTarget.Name);

    public static TheoryData<string> AnswerInputs() => Inputs(AnswerTarget.Name);

    [Theory]
    [MemberData(nameof(QueryInputs))]
    public void QueryTarget_FindsNothing_InCommittedInput(string input) =>
        QueryTarget.Run(File.ReadAllBytes(Path.Combine(FuzzRoot, input)));

    [Theory]
    [MemberData(nameof(AnswerInputs))]
    public void AnswerTarget_FindsNothing_InCommittedInput(string input) =>
        AnswerTarget.Run(File.ReadAllBytes(Path.Combine(FuzzRoot, input)));

    private static TheoryData<string> Inputs(string target) =>
        [.. FuzzInputs.Files(FuzzInputs.Directories(FuzzRoot, target)).Select(f => Path.GetRelativePath(FuzzRoot, f))];
}
