using PipShield.Service.Cli;

namespace PipShield.Service.Tests.Cli;

/// <summary>A temporary folder holding copies of the repository's sample lists, and an in-process <c>pipshield</c>.</summary>
public sealed class CliWorkspace : IDisposable
{
    public static readonly string[] SampleSources =
    [
        "sample-phishing.domains.txt",
        "sample-malware.hosts",
        "sample-threats.adblock.txt",
        "sample-scam.rpz",
        "sample-c2.ip.txt",
    ];

    public CliWorkspace()
    {
        Folder = Path.Combine(Path.GetTempPath(), "pipshield-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        foreach (string file in Directory.GetFiles(BlocklistsFolder))
        {
            File.Copy(file, Path.Combine(Folder, Path.GetFileName(file)));
        }
    }

    public string Folder { get; }

    /// <summary>The repository's blocklists/ folder, found by walking up to the folder holding PipShield.sln.</summary>
    public static string BlocklistsFolder { get; } = FindBlocklists();

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>Runs <c>pipshield</c> with <paramref name="args"/>; relative paths in them are relative to the process, so pass full paths.</summary>
    public static CliRun RunWithInput(string stdin, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int exitCode = PipShieldCli.Run(args, stdout, stderr, new StringReader(stdin));
        return new CliRun(exitCode, stdout.ToString(), stderr.ToString());
    }

    public static CliRun Run(params string[] args) => RunWithInput(string.Empty, args);

    /// <summary>Compiles the five sample block lists and the allowlist into <paramref name="image"/>.</summary>
    public CliRun CompileSamples(string image = "lists.pipbl")
    {
        var args = new List<string> { "compile", "-o", PathOf(image) };
        args.AddRange(SampleSources.Select(PathOf));
        args.Add("--allow");
        args.Add(PathOf("allowlist.txt"));
        return Run([.. args]);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string FindBlocklists()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PipShield.sln")))
            {
                return Path.Combine(dir.FullName, "blocklists");
            }
        }

        throw new InvalidOperationException($"No PipShield.sln above {AppContext.BaseDirectory}.");
    }
}
