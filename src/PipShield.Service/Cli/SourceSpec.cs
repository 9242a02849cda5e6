using System.Diagnostics.CodeAnalysis;
using PipShield.Blocklist.Parsing;

namespace PipShield.Service.Cli;

/// <summary>
/// A list source as written on the command line: <c>path[:format][:category]</c>, read from the right so that
/// Windows paths (<c>C:\lists\x.txt:hosts</c>) and paths with colons in folder names still work.
/// </summary>
/// <param name="Path">The file, as given.</param>
/// <param name="Format">The syntax; null to detect it from the first lines.</param>
/// <param name="Category">The category, given or guessed from the file name.</param>
internal sealed record SourceSpec(string Path, ListFormat? Format, string Category)
{
    /// <summary>Category of a source whose file name hints at none.</summary>
    public const string DefaultCategory = "custom";

    /// <summary>Category of every <c>--allow</c> source unless it names one.</summary>
    public const string AllowlistCategory = "allowlist";

    /// <summary>The usage line repeated in errors and help.</summary>
    public const string Syntax = "path[:format][:category] with format hosts, domains, adblock, rpz or ip";

    /// <summary>Words that, as a token of a file name, name its category (<c>sample-phishing.domains.txt</c>).</summary>
    private static readonly string[] KnownCategories =
    [
        "phishing", "malware", "scam", "fraud", "fake", "c2", "botnet", "ransomware", "cryptojacking",
        "spam", "ads", "tracking", "gambling", "adult",
    ];

    /// <summary>Parses a spec; fields are told apart from path pieces because they hold no '/' or '\'.</summary>
    /// <remarks>
    /// <c>x.txt</c>, <c>x.txt:hosts</c>, <c>x.txt:hosts:phishing</c> and <c>x.txt::phishing</c> (format detected)
    /// are accepted. A single field after the path must be a format: <c>x.txt:phishing</c> is an error that
    /// suggests <c>x.txt::phishing</c>, so a typo in a format is never taken for a category.
    /// </remarks>
    /// <returns>False with a one-line <paramref name="error"/> for an unknown format or a missing path.</returns>
    public static bool TryParse(string text, bool isAllowlist, [NotNullWhen(true)] out SourceSpec? spec,
        [NotNullWhen(false)] out string? error)
    {
        spec = null;
        string path = text;
        string? formatText = null;
        string? category = null;

        int last = text.LastIndexOf(':');
        if (last >= 0 && IsField(text.AsSpan(last + 1)))
        {
            int previous = text.LastIndexOf(':', Math.Max(last - 1, 0));
            if (previous >= 0 && previous < last && IsField(text.AsSpan(previous + 1, last - previous - 1)))
            {
                path = text[..previous];
                formatText = text[(previous + 1)..last];
                category = text[(last + 1)..];
            }
            else
            {
                path = text[..last];
                formatText = text[(last + 1)..];
            }
        }

        if (path.Length == 0)
        {
            error = $"'{text}' has no path; write {Syntax}";
            return false;
        }

        ListFormat? format = null;
        if (!string.IsNullOrEmpty(formatText))
        {
            if (!ListParser.TryParseFormatName(formatText, out ListFormat parsed))
            {
                error = category is null
                    ? $"'{formatText}' in '{text}' is not a list format (hosts, domains, adblock, rpz or ip); for a category write '{path}::{formatText}'"
                    : $"'{formatText}' in '{text}' is not a list format; write {Syntax}";
                return false;
            }

            format = parsed;
        }

        if (category is not null && category.Length == 0)
        {
            error = $"'{text}' ends with an empty category; write {Syntax}";
            return false;
        }

        category ??= isAllowlist ? AllowlistCategory : GuessCategory(path);
        spec = new SourceSpec(path, format, category);
        error = null;
        return true;
    }

    /// <summary>Parses a spec.</summary>
    /// <exception cref="CliException">The spec is malformed.</exception>
    public static SourceSpec Parse(string text, bool isAllowlist) =>
        TryParse(text, isAllowlist, out SourceSpec? spec, out string? error) ? spec : throw new CliException(error);

    /// <summary>The first known category word among the file name's tokens, else <see cref="DefaultCategory"/>.</summary>
    public static string GuessCategory(string path)
    {
        string fileName = System.IO.Path.GetFileName(path).ToLowerInvariant();
        foreach (string token in fileName.Split(['-', '_', '.', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            if (Array.IndexOf(KnownCategories, token) >= 0)
            {
                return token;
            }
        }

        return DefaultCategory;
    }

    /// <summary>A format or category field: no path separator and no white space.</summary>
    private static bool IsField(ReadOnlySpan<char> text) => text.IndexOfAny("/\\ \t") < 0;
}
