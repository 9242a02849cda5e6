using Xunit;

namespace PipShield.Service.Tests.Cli;

public sealed class CompileCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void Compile_WritesImageAndPrintsARowPerSourceAndTotals()
    {
        CliRun run = _workspace.CompileSamples();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(_workspace.PathOf("lists.pipbl")));
        string[] lines = run.StdoutLines;
        Assert.StartsWith("source", lines[0]);
        Assert.Contains("accepted", lines[0]);
        Assert.Contains("redundant", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("sample-phishing.domains.txt") && l.Contains("domains") && l.Contains("phishing"));
        Assert.Contains(lines, l => l.StartsWith("sample-malware.hosts") && l.Contains("hosts") && l.Contains("malware"));
        Assert.Contains(lines, l => l.StartsWith("sample-scam.rpz") && l.Contains("rpz") && l.Contains("scam"));
        Assert.Contains(lines, l => l.StartsWith("sample-c2.ip.txt") && l.Contains(" ip ") && l.Contains("c2"));
        Assert.Contains(lines, l => l.StartsWith("allowlist.txt") && l.Contains("allow ") && l.Contains("allowlist"));
        Assert.Contains(lines, l => l.StartsWith("total"));
        foreach (string total in new[] { "domain rules", "IP rules", "image bytes", "bytes per domain rule", "elapsed seconds" })
        {
            Assert.Contains(lines, l => l.StartsWith(total));
        }
    }

    [Fact]
    public void Compile_ReportsRejectedLinesAsFileLineReason_OnStderr()
    {
        CliRun run = _workspace.CompileSamples();

        string error = Assert.Single(run.StderrLines);
        Assert.Matches(@"^sample-phishing\.domains\.txt:\d+: 'bad name\.example\.net' contains", error);
    }

    [Fact]
    public void Compile_WritesEveryRejectedLineToErrorsFile()
    {
        string many = _workspace.PathOf("many-bad.txt");
        File.WriteAllLines(many, ["ok.example.org", .. Enumerable.Range(0, 25).Select(i => $"bad name{i}.example.org")]);
        string errors = _workspace.PathOf("errors.txt");

        CliRun run = CliWorkspace.Run("compile", "-o", _workspace.PathOf("x.pipbl"), many + ":domains", "--errors", errors);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(25, File.ReadAllLines(errors).Length);
        Assert.Equal(10 + 1, run.StderrLines.Length); // the first ten, then how many more
        Assert.Contains("15 more rejected lines", run.StderrLines[^1]);

        CliRun verbose = CliWorkspace.Run("compile", "-o", _workspace.PathOf("x.pipbl"), many + ":domains", "--verbose");
        Assert.Equal(25, verbose.StderrLines.Length);
    }

    [Fact]
    public void Compile_ReadsSourcesFromConfig_RelativeToTheConfigFolder()
    {
        CliRun run = CliWorkspace.Run("compile", "--config", _workspace.PathOf("sources.json"), "-o", _workspace.PathOf("c.pipbl"));
        Assert.True(run.ExitCode == 0, run.ToString());

        CliRun check = CliWorkspace.Run("check", "-i", _workspace.PathOf("c.pipbl"), "tracker.example.com", "safe.phish.example.net");
        Assert.Equal(
            [
                "tracker.example.com\tblocked\ttracker.example.com\tsample threats\tmalware",
                "safe.phish.example.net\tallowed\tsafe.phish.example.net\tallowlist.txt\tallowlist",
            ],
            check.StdoutLines);
    }

    [Fact]
    public void Compile_UsesGivenFormatAndCategory()
    {
        CliRun run = CliWorkspace.Run("compile", "-o", _workspace.PathOf("x.pipbl"), _workspace.PathOf("sample-threats.adblock.txt") + ":adblock:scam");
        Assert.True(run.ExitCode == 0, run.ToString());

        CliRun check = CliWorkspace.Run("check", "-i", _workspace.PathOf("x.pipbl"), "scam-shop.example.net");
        Assert.EndsWith("\tsample-threats.adblock.txt\tscam", Assert.Single(check.StdoutLines));
    }

    [Fact]
    public void Compile_LeavesNoFile_WhenItFails()
    {
        File.WriteAllText(_workspace.PathOf("prose.txt"), "Dear reader,\nthis is not a list at all.\n");
        string image = _workspace.PathOf("out.pipbl");
        string[] before = Directory.GetFiles(_workspace.Folder);

        CliRun run = CliWorkspace.Run("compile", "-o", image, _workspace.PathOf("sample-c2.ip.txt"), _workspace.PathOf("prose.txt"));

        Assert.Equal(1, run.ExitCode);
        Assert.False(File.Exists(image));
        Assert.Equal(before.Order(), Directory.GetFiles(_workspace.Folder).Order()); // no temporary file left either
    }

    [Fact]
    public void Compile_KeepsThePreviousImage_WhenASourceIsRejected()
    {
        string image = _workspace.PathOf("lists.pipbl");
        Assert.Equal(0, _workspace.CompileSamples().ExitCode);
        byte[] previous = File.ReadAllBytes(image);
        string bad = _workspace.PathOf("garbage.txt");
        File.WriteAllLines(bad, Enumerable.Range(0, 10_050).Select(i => $"not a name {i}"));

        CliRun run = CliWorkspace.Run("compile", "-o", image, bad + ":domains");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("garbage.txt: 10,050 malformed lines", run.StderrLines[^1]);
        Assert.Equal(previous, File.ReadAllBytes(image));
        Assert.DoesNotContain(Directory.GetFiles(_workspace.Folder), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_ReplacesAnExistingImage()
    {
        string image = _workspace.PathOf("lists.pipbl");
        File.WriteAllText(image, "old");

        CliRun run = _workspace.CompileSamples();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.NotEqual("old", File.ReadAllText(image)[..3]);
    }
}
