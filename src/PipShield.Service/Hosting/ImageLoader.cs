using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Service.Cli;
using PipShield.Service.Feeds;

namespace PipShield.Service.Hosting;

/// <summary>
/// Produces the image the service starts with: maps a compiled image, or compiles the configured lists into
/// the state directory first (write to a temporary file, then rename, so a crash never leaves half an image).
/// </summary>
/// <remarks>The last good copies of the enabled feeds (<paramref name="feeds"/>) are compiled after the local lists.</remarks>
internal sealed class ImageLoader(ListsOptions options, ILogger logger, FeedsOptions? feeds = null)
{
    /// <returns>The image, or null when no list is configured.</returns>
    /// <exception cref="StartupException">A list or image cannot be used; the message says which and why.</exception>
    public BlocklistImage? Load()
    {
        var stopwatch = Stopwatch.StartNew();
        if (!string.IsNullOrWhiteSpace(options.Image))
        {
            string path = Resolve(options.Image);
            BlocklistImage opened = Open(path);
            HostLog.ImageLoaded(logger, path, opened.DomainRuleCount, opened.IpRuleCount, opened.Sources.Count, stopwatch.Elapsed.TotalSeconds);
            return opened;
        }

        List<ListInput> inputs = Inputs();
        if (inputs.Count == 0)
        {
            HostLog.NoLists(logger);
            return null;
        }

        string image = Compile(inputs);
        BlocklistImage compiled = Open(image);
        HostLog.ImageLoaded(logger, image, compiled.DomainRuleCount, compiled.IpRuleCount, compiled.Sources.Count, stopwatch.Elapsed.TotalSeconds);
        return compiled;
    }

    /// <summary>
    /// The files the current lists come from: the image, or the sources file and every list it and
    /// <see cref="ListsOptions.Sources"/> name. A file that cannot be read is still listed, so that its return
    /// is noticed.
    /// </summary>
    public List<string> WatchedFiles()
    {
        if (!string.IsNullOrWhiteSpace(options.Image))
        {
            return [Resolve(options.Image)];
        }

        var files = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.SourcesFile))
        {
            files.Add(Resolve(options.SourcesFile));
        }

        if (feeds is { Enabled: true })
        {
            files.Add(Resolve(feeds.CatalogFile)); // enabling or removing a feed changes the lists too
        }

        try
        {
            foreach (ListInput input in Inputs())
            {
                files.Add(input.Path);
            }
        }
        catch (StartupException)
        {
            // A broken sources file: watch the file itself until it is fixed.
        }

        return files;
    }

    private List<ListInput> Inputs()
    {
        var inputs = new List<ListInput>();
        try
        {
            if (!string.IsNullOrWhiteSpace(options.SourcesFile))
            {
                inputs.AddRange(SourceConfig.Load(Resolve(options.SourcesFile)));
            }

            foreach (string spec in options.Sources)
            {
                SourceSpec parsed = SourceSpec.Parse(spec, isAllowlist: false);
                inputs.Add(ListInput.FromSpec(parsed with { Path = Resolve(parsed.Path) }, isAllowlist: false));
            }
        }
        catch (CliException ex)
        {
            throw new StartupException($"{ListsOptions.SectionName}: {ex.Message}");
        }

        if (feeds is not null)
        {
            try
            {
                inputs.AddRange(FeedInputs.Of(feeds, Resolve(feeds.CatalogFile), StateDirectoryOf(options)));
            }
            catch (FeedCatalogException ex)
            {
                throw new StartupException($"{FeedsOptions.SectionName}:{nameof(FeedsOptions.CatalogFile)}: {ex.Message}");
            }
        }

        return inputs;
    }

    private string Compile(List<ListInput> inputs)
    {
        var compiler = new BlocklistCompiler();
        foreach (ListInput input in inputs)
        {
            SourceSummary summary;
            try
            {
                summary = compiler.AddFile(input.Path, input.Descriptor);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BlocklistCompileException)
            {
                throw new StartupException($"{ListsOptions.SectionName}: {input.Path}: {ex.Message}");
            }

            HostLog.SourceCompiled(logger, input.Descriptor.Name, summary.Accepted, summary.Duplicates, summary.Rejected, summary.Skipped);
            foreach (var error in summary.Errors.Take(10))
            {
                HostLog.LineRejected(logger, error.ToString());
            }
        }

        string directory = StateDirectoryOf(options);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "startup.pipbl");
        string temporary = path + "." + Environment.ProcessId + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            compiler.WriteTo(stream);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        return path;
    }

    private static BlocklistImage Open(string path)
    {
        try
        {
            return BlocklistImage.Open(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidBlocklistImageException)
        {
            throw new StartupException($"{ListsOptions.SectionName}:Image: {ex.Message}");
        }
    }

    /// <summary>Where compiled images and feed copies are kept: <see cref="ListsOptions.StateDirectory"/>, or a
    /// <c>pipshield</c> folder in the temp directory.</summary>
    public static string StateDirectoryOf(ListsOptions options) => StateDirectoryOf(options.StateDirectory);

    /// <summary>
    /// Where the service keeps its files (compiled images, feed copies, query log, alerts, devices, the page's CA):
    /// <c>Lists:StateDirectory</c>, found as any relative path is, else a <c>pipshield</c> folder in the temp directory.
    /// </summary>
    public static string StateDirectoryOf(string? configured) =>
        configured is { Length: > 0 } state ? Resolve(state) : Path.Combine(Path.GetTempPath(), "pipshield");

    /// <summary>A relative path is taken from the working directory when it exists there, else from the program's folder.</summary>
    public static string Resolve(string path)
    {
        if (Path.IsPathRooted(path) || File.Exists(path) || Directory.Exists(path))
        {
            return Path.GetFullPath(path);
        }

        return Path.Combine(AppContext.BaseDirectory, path);
    }
}
