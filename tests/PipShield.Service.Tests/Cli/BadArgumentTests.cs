using PipShield.Service.Cli;
using Xunit;

namespace PipShield.Service.Tests.Cli;

/// <summary>Every bad argument or file ends in a non-zero exit and one line on stderr, never a stack trace.</summary>
public sealed class BadArgumentTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public BadArgumentTests()
    {
        File.WriteAllText(_workspace.PathOf("prose.txt"), "Dear reader,\nthis is not a list.\n");
        File.WriteAllText(_workspace.PathOf("bad.json"), "{ \"sources\": [ { \"path\": \"a.txt\" ] }");
        File.WriteAllText(_workspace.PathOf("unknown-key.json"), "{ \"sources\": [ { \"path\": \"allowlist.txt\", \"formt\": \"domains\" } ] }");
        Assert.Equal(0, _workspace.CompileSamples("good.pipbl").ExitCode);
        byte[] image = File.ReadAllBytes(_workspace.PathOf("good.pipbl"));
        File.WriteAllBytes(_workspace.PathOf("truncated.pipbl"), image[..(image.Length / 2)]);
        image[^1] ^= 0xFF;
        File.WriteAllBytes(_workspace.PathOf("corrupt.pipbl"), image);
    }

    public void Dispose() => _workspace.Dispose();

    public static TheoryData<string, string> Cases => new()
    {
        // arguments ({dir} = the workspace), a fragment of the expected message
        { "compile", "--output" },
        { "compile -o {dir}/x.pipbl", "no sources" },
        { "compile -o {dir}/x.pipbl {dir}/missing.txt", "missing.txt: no such list file" },
        { "compile -o {dir}/x.pipbl {dir}/sample-c2.ip.txt:hostz", "'hostz'" },
        { "compile -o {dir}/x.pipbl {dir}/sample-c2.ip.txt:c2", "sample-c2.ip.txt::c2" },
        { "compile -o {dir}/x.pipbl {dir}/sample-c2.ip.txt:ip:", "empty category" },
        { "compile -o {dir}/x.pipbl {dir}/prose.txt", "cannot tell the list format" },
        { "compile -o {dir}/x.pipbl {dir}", "is a folder" },
        { "compile -o {dir}/no-such-folder/x.pipbl {dir}/sample-c2.ip.txt", "output folder" },
        { "compile -o {dir} {dir}/sample-c2.ip.txt", "is a folder" },
        { "compile -o {dir}/x.pipbl --allow {dir}/missing-allow.txt", "missing-allow.txt: no such" },
        { "compile -o {dir}/x.pipbl --config {dir}/missing.json", "missing.json: no such config file" },
        { "compile -o {dir}/x.pipbl --config {dir}/bad.json", "bad.json:1:" },
        { "compile -o {dir}/x.pipbl --config {dir}/unknown-key.json", "sources[0].formt: unknown key" },
        { "compile -o {dir}/x.pipbl --errors {dir}/no-such-folder/e.txt {dir}/sample-c2.ip.txt", "e.txt" },
        { "check a.example", "--image" },
        { "check -i {dir}/missing.pipbl a.example", "missing.pipbl: no such image file" },
        { "check -i {dir}/sample-c2.ip.txt a.example", "sample-c2.ip.txt" },
        { "check -i {dir}/truncated.pipbl a.example", "truncated" },
        { "inspect", "inspect" },
        { "inspect {dir}/missing.pipbl", "no such image file" },
        { "inspect {dir}/corrupt.pipbl", "checksum" },
        { "inspect {dir}", "is a folder" },
        { "frobnicate", "frobnicate" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadArguments_ExitNonZero_WithOneLineAndNoStackTrace(string arguments, string expected)
    {
        string[] args = arguments.Replace("{dir}", _workspace.Folder).Split(' ');

        CliRun run = CliWorkspace.Run(args);

        Assert.NotEqual(0, run.ExitCode);
        string line = Assert.Single(run.StderrLines);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", run.Stderr);
        Assert.DoesNotContain("   at ", run.Stdout);
        Assert.False(File.Exists(_workspace.PathOf("x.pipbl")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void UnreadableList_ExitsNonZero_WithOneLine()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes only.");
        }

        string path = _workspace.PathOf("locked.txt");
        File.WriteAllText(path, "phish.example.net\n");
        File.SetUnixFileMode(path, UnixFileMode.None);
        try
        {
            using (File.OpenRead(path))
            {
                Assert.Skip("This user can read a mode-000 file (root).");
            }
        }
        catch (UnauthorizedAccessException)
        {
        }

        CliRun run = CliWorkspace.Run("compile", "-o", _workspace.PathOf("x.pipbl"), path);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("locked.txt: permission denied", Assert.Single(run.StderrLines));
    }

    [Fact]
    public void FileErrors_AreDescribedInOneLine_StartingWithThePath()
    {
        Assert.Equal("x.txt: permission denied", CliFiles.Describe("x.txt", new UnauthorizedAccessException("Access to the path is denied.")));
        Assert.Equal("x.txt: no such file", CliFiles.Describe("x.txt", new FileNotFoundException("gone")));
        Assert.Equal("x.txt: disk on fire", CliFiles.Describe("x.txt", new IOException("disk on fire")));
    }
}
