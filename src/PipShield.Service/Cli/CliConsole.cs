namespace PipShield.Service.Cli;

/// <summary>The streams a command reads and writes; the real console in the program, string buffers in tests.</summary>
internal sealed class CliConsole(TextWriter output, TextWriter error, TextReader input)
{
    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public TextReader In { get; } = input;

    /// <summary>Writes <c>pipshield: message</c> to stderr as one line.</summary>
    /// <returns><see cref="ExitCodes.Error"/>.</returns>
    public int Fail(string message)
    {
        Out.Flush();
        Error.WriteLine("pipshield: " + OneLine(message));
        return ExitCodes.Error;
    }

    /// <summary>Writes a warning or note to stderr as one line.</summary>
    public void Note(string message) => Error.WriteLine("pipshield: " + OneLine(message));

    public static string OneLine(string message) =>
        message.AsSpan().IndexOfAny('\r', '\n') < 0 ? message : message.ReplaceLineEndings(" ");
}
