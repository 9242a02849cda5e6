using System.CommandLine;
using PipShield.Blocklist.Lookup;

namespace PipShield.Service.Cli;

/// <summary><c>pipshield check --image lists.pipbl NAME_OR_IP...</c>: looks names and addresses up in an image.</summary>
internal static class CheckCommand
{
    /// <summary>Invalid inputs described on stderr before only a count is given.</summary>
    private const int InvalidShown = 10;

    private const string Description =
        "Look domain names and IP addresses up in an image, as the resolver would. With no NAME_OR_IP, reads them "
        + "from stdin, one per line (blank lines and lines starting with # are skipped).\n"
        + "Output, one LF-terminated line per input: NAME<TAB>VERDICT<TAB>RULE<TAB>SOURCE<TAB>CATEGORY, where NAME "
        + "is the input as given (trimmed); VERDICT is blocked, allowed or none; RULE is the rule that decided, as "
        + "a list writes it (example.org covers the name and its subdomains, *.example.org only subdomains, "
        + "192.0.2.0/24 a prefix); SOURCE and CATEGORY are those of the list holding the rule. With verdict none "
        + "the last three fields are '-'.\n"
        + "With --json, one object per line with exactly the keys name, verdict, rule, source and category "
        + "(rule, source and category null when the verdict is none).\n"
        + "An input that is neither a name nor an address is printed with verdict none and described on stderr. "
        + "Exit status: 0 done; 1 bad arguments or image; 2 some inputs were invalid.";

    public static Command Create(CliConsole console)
    {
        var image = new Option<string>("--image", "-i")
        {
            Description = "The compiled image (.pipbl) to look names up in.",
            HelpName = "FILE",
            Required = true,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per line instead of tab-separated fields." };
        var names = new Argument<string[]>("NAME_OR_IP")
        {
            Description = "Domain names (www.example.org) or IPv4/IPv6 addresses (192.0.2.1, 2001:db8::1).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("check", Description) { names, image, json };

        command.SetAction(parseResult =>
        {
            try
            {
                using BlocklistImage opened = CliFiles.OpenImage(parseResult.GetValue(image)!);
                CheckWriter writer = parseResult.GetValue(json)
                    ? new JsonCheckWriter(console.Out, opened.Sources)
                    : new TextCheckWriter(console.Out, opened.Sources);
                return Run(console, new NameChecker(opened), writer, parseResult.GetValue(names) ?? []);
            }
            catch (CliException ex)
            {
                return console.Fail(ex.Message);
            }
        });
        return command;
    }

    private static int Run(CliConsole console, NameChecker checker, CheckWriter writer, string[] names)
    {
        int invalid = 0;
        if (names.Length > 0)
        {
            for (int i = 0; i < names.Length; i++)
            {
                CheckOne(console, checker, writer, names[i].AsSpan().Trim(), "argument", i + 1, ref invalid);
            }
        }
        else
        {
            var lines = new InputLineReader(console.In);
            while (lines.TryReadLine(out ReadOnlySpan<char> line))
            {
                line = line.Trim();
                if (line.IsEmpty || line[0] == '#')
                {
                    continue;
                }

                CheckOne(console, checker, writer, line, "line", lines.LineNumber, ref invalid);
            }
        }

        writer.Complete();
        if (invalid == 0)
        {
            return ExitCodes.Success;
        }

        if (invalid > InvalidShown)
        {
            console.Note($"{TextTable.Count(invalid)} inputs were neither names nor addresses (the first {InvalidShown} are described above)");
        }

        return ExitCodes.InvalidInput;
    }

    private static void CheckOne(CliConsole console, NameChecker checker, CheckWriter writer, ReadOnlySpan<char> input,
        string where, int position, ref int invalid)
    {
        if (checker.TryCheck(input, out CheckAnswer answer, out string? error))
        {
            writer.Write(input, answer);
            return;
        }

        writer.Write(input, CheckAnswer.None);
        if (++invalid <= InvalidShown)
        {
            console.Note($"{where} {position}: {Shorten(error)}");
        }
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 197), "...");
}
