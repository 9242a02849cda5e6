using System.Text;

namespace PipShield.Service.Hosting.Install;

/// <summary>A program and its arguments, kept apart so nothing is ever parsed by a shell.</summary>
internal sealed record ExternalCommand(string Program, IReadOnlyList<string> Arguments)
{
    public ExternalCommand(string program, params string[] arguments)
        : this(program, (IReadOnlyList<string>)arguments)
    {
    }

    /// <summary>The command as a user would type it, arguments with spaces or quotes in double quotes.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Quote(Program));
        foreach (string argument in Arguments)
        {
            text.Append(' ').Append(Quote(argument));
        }

        return text.ToString();
    }

    private static string Quote(string value) =>
        value.Length > 0 && value.AsSpan().IndexOfAny(" \t\"") < 0 ? value : "\"" + value.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    public bool Equals(ExternalCommand? other) =>
        other is not null && Program == other.Program && Arguments.SequenceEqual(other.Arguments);

    public override int GetHashCode() => HashCode.Combine(Program, Arguments.Count);
}
