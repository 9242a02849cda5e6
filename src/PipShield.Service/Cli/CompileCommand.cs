using System.CommandLine;
using System.Diagnostics;
using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Parsing;

namespace PipShield.Service.Cli;

/// <summary><c>pipshield compile -o lists.pipbl SOURCE...</c>: compiles list files into one image.</summary>
internal static class CompileCommand
{
    /// <summary>Rejected lines shown without <c>--verbose</c>.</summary>
    private const int ErrorsShown = 10;

    public static Command Create(CliConsole console)
    {
        var output = new Option<string>("--output", "-o")
        {
            Description = "The image file to write. It is replaced atomically: a failed compile leaves the old file as it was.",
            HelpName = "FILE",
            Required = true,
        };
        var sources = new Argument<string[]>("SOURCE")
        {
            Description = $"Block lists as {SourceSpec.Syntax}. The format is detected when left out; the category "
                + $"is guessed from the file name (sample-phishing.txt: phishing), else '{SourceSpec.DefaultCategory}'. "
                + "Earlier sources take precedence when two block the same name.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var allow = new Option<string[]>("--allow")
        {
            Description = $"An allowlist, as path[:format][:category] (category '{SourceSpec.AllowlistCategory}'); every rule in it allows. Repeatable.",
            HelpName = "PATH",
        };
        var config = new Option<string>("--config")
        {
            Description = "A JSON file listing sources: {\"sources\":[{\"path\",\"name\",\"format\",\"category\","
                + "\"action\":\"nxdomain|sinkhole|nodata|refused\",\"allowlist\"}]}; relative paths are resolved against its folder. "
                + "Its sources come before those on the command line.",
            HelpName = "FILE",
        };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Show every rejected line, not only the first few." };
        var errors = new Option<string>("--errors")
        {
            Description = "Write every rejected line to this file as file:line: reason.",
            HelpName = "FILE",
        };

        var command = new Command("compile", "Compile block and allow lists into one image for the resolver. "
            + "Prints a table per source (accepted, duplicates, rejected, skipped, redundant) and totals; "
            + "rejected lines go to stderr as file:line: reason.")
        {
            sources, output, allow, config, verbose, errors,
        };

        command.SetAction(parseResult =>
        {
            try
            {
                var request = new Request(
                    parseResult.GetValue(output)!,
                    parseResult.GetValue(sources) ?? [],
                    parseResult.GetValue(allow) ?? [],
                    parseResult.GetValue(config),
                    parseResult.GetValue(verbose),
                    parseResult.GetValue(errors));
                return Run(console, request);
            }
            catch (CliException ex)
            {
                return console.Fail(ex.Message);
            }
        });
        return command;
    }

    private sealed record Request(string Output, string[] Sources, string[] Allow, string? Config, bool Verbose, string? ErrorsFile);

    private static int Run(CliConsole console, Request request)
    {
        var stopwatch = Stopwatch.StartNew();
        List<ListInput> inputs = CollectInputs(request);
        string outputPath = CheckOutputPath(request.Output);

        bool keepAll = request.Verbose || request.ErrorsFile is not null;
        var options = new CompilerOptions { Progress = new ProgressPrinter(console) };
        if (keepAll)
        {
            options.MaxErrorsKept = options.MaxErrorsPerSource + 1;
        }

        var compiler = new BlocklistCompiler(options);
        foreach (ListInput input in inputs)
        {
            try
            {
                compiler.AddFile(input.Path, input.Descriptor);
            }
            catch (BlocklistCompileException ex)
            {
                throw new CliException(ex.Message);
            }
            catch (Exception ex) when (CliFiles.IsFileError(ex))
            {
                throw new CliException(CliFiles.Describe(input.Path, ex));
            }
        }

        IReadOnlyList<SourceSummary> summaries = compiler.Sources;
        WriteErrorsFile(summaries, request.ErrorsFile);
        int errorLimit = request.Verbose ? int.MaxValue : ErrorsShown;
        SourceSummary? rejected = summaries.FirstOrDefault(s => s.IsRejected);
        if (rejected is not null)
        {
            CompileReport.WriteSources(console.Out, summaries);
            ReportErrors(console, summaries, errorLimit);
            throw new CliException($"{rejected.Descriptor.Name}: {TextTable.Count(rejected.Rejected)} malformed lines, over the limit of "
                + $"{TextTable.Count(options.MaxErrorsPerSource)}; wrong format? No image written");
        }

        CompileResult result;
        try
        {
            result = AtomicFile.Write(outputPath, compiler.WriteTo);
        }
        catch (BlocklistCompileException ex)
        {
            throw new CliException(ex.Message);
        }
        catch (Exception ex) when (CliFiles.IsFileError(ex))
        {
            throw new CliException(CliFiles.Describe(request.Output, ex));
        }

        CompileReport.WriteSources(console.Out, result.Sources);
        CompileReport.WriteTotals(console.Out, request.Output, result, stopwatch.Elapsed);
        ReportErrors(console, summaries, errorLimit);
        return ExitCodes.Success;
    }

    private static List<ListInput> CollectInputs(Request request)
    {
        var inputs = new List<ListInput>();
        if (request.Config is not null)
        {
            inputs.AddRange(SourceConfig.Load(request.Config));
        }

        foreach (string spec in request.Sources)
        {
            inputs.Add(ListInput.FromSpec(SourceSpec.Parse(spec, isAllowlist: false), isAllowlist: false));
        }

        foreach (string spec in request.Allow)
        {
            inputs.Add(ListInput.FromSpec(SourceSpec.Parse(spec, isAllowlist: true), isAllowlist: true));
        }

        if (inputs.Count == 0)
        {
            throw new CliException($"no sources; give list files as {SourceSpec.Syntax}, --allow PATH or --config FILE");
        }

        // Check every file before reading any: a typo in the last source should not cost a long compile.
        foreach (ListInput input in inputs)
        {
            CliFiles.RequireFile(input.Path, "list file");
        }

        return inputs;
    }

    private static string CheckOutputPath(string output)
    {
        if (output.Length == 0)
        {
            throw new CliException("--output is empty");
        }

        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(output);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CliException($"{output}: not a valid output path");
        }

        if (Directory.Exists(fullPath))
        {
            throw new CliException($"{output}: is a folder; --output must name the image file");
        }

        string? folder = Path.GetDirectoryName(fullPath);
        if (folder is null || !Directory.Exists(folder))
        {
            throw new CliException($"{output}: the output folder {folder} does not exist");
        }

        return fullPath;
    }

    /// <summary>Writes the first <paramref name="limit"/> rejected lines to stderr, after the table on stdout.</summary>
    private static void ReportErrors(CliConsole console, IReadOnlyList<SourceSummary> summaries, int limit)
    {
        console.Out.Flush();
        int shown = 0;
        long total = 0;
        foreach (SourceSummary summary in summaries)
        {
            total += summary.Rejected;
            foreach (ParseError error in summary.Errors)
            {
                if (shown == limit)
                {
                    break;
                }

                console.Error.WriteLine(error.ToString());
                shown++;
            }
        }

        if (total > shown)
        {
            console.Note($"{TextTable.Count(total - shown)} more rejected lines not shown; use --verbose or --errors FILE");
        }
    }

    private static void WriteErrorsFile(IReadOnlyList<SourceSummary> summaries, string? errorsFile)
    {
        if (errorsFile is null)
        {
            return;
        }

        try
        {
            using var writer = new StreamWriter(errorsFile, append: false, new System.Text.UTF8Encoding(false));
            foreach (SourceSummary summary in summaries)
            {
                foreach (ParseError error in summary.Errors)
                {
                    writer.WriteLine(error.ToString());
                }
            }
        }
        catch (Exception ex) when (CliFiles.IsFileError(ex))
        {
            throw new CliException(CliFiles.Describe(errorsFile, ex));
        }
    }

    /// <summary>Prints a line per report (every <see cref="CompilerOptions.ProgressInterval"/> lines), so only big inputs show progress.</summary>
    private sealed class ProgressPrinter(CliConsole console) : IProgress<CompileProgress>
    {
        public void Report(CompileProgress value) =>
            console.Note($"{value.Source}: {TextTable.Count(value.Lines)} lines read, {TextTable.Count(value.TotalRules)} rules so far");
    }
}
