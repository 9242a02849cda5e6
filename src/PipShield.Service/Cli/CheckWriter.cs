using PipShield.Blocklist;

namespace PipShield.Service.Cli;

/// <summary>Writes <c>check</c> results, one line per input, buffered: nothing is flushed per line.</summary>
internal abstract class CheckWriter
{
    /// <summary>Writes the line for one input; <paramref name="name"/> is the input as given, trimmed.</summary>
    public abstract void Write(ReadOnlySpan<char> name, in CheckAnswer answer);

    /// <summary>Pushes out everything buffered.</summary>
    public abstract void Complete();

    public static string VerdictText(Verdict verdict) => verdict switch
    {
        Verdict.Blocked => "blocked",
        Verdict.Allowed => "allowed",
        _ => "none",
    };
}
