using System.Text.RegularExpressions;
using PipShield.Service.Tests.Cli;

namespace PipShield.Service.Tests.BlockPage;

/// <summary>The configuration examples in the warning page's docs are valid configuration.</summary>
public sealed partial class BlockPageDocsTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Theory]
    [InlineData("docs/WARNING-PAGE.md")]
    [InlineData("src/PipShield.Service/BlockPage/README.md")]
    public void JsonExamples_PassConfigCheck(string document)
    {
        string root = Path.GetDirectoryName(CliWorkspace.BlocklistsFolder)!;
        string text = File.ReadAllText(Path.Combine(root, document));
        MatchCollection examples = JsonBlock().Matches(text);
        Assert.NotEmpty(examples);

        foreach (Match example in examples)
        {
            string file = _workspace.PathOf("example.json");
            File.WriteAllText(file, example.Groups[1].Value);
            CliRun run = CliWorkspace.Run("config", "check", file);
            Assert.True(run.ExitCode == 0, $"{document}: {run.Stderr}");
        }
    }

    [GeneratedRegex("```json\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
