using PipShield.Blocklist.Lookup;

namespace PipShield.Service.Cli;

/// <summary>
/// <c>NAME⇥VERDICT⇥RULE⇥SOURCE⇥CATEGORY</c> lines (LF-terminated); <c>-</c> in the last three fields when the
/// verdict is <c>none</c>. Tabs and other control characters in a field are written as <c>?</c>, so every
/// line has exactly five fields.
/// </summary>
internal sealed class TextCheckWriter : CheckWriter
{
    private const string Empty = "-";

    private readonly TextWriter _output;
    private readonly string[] _sourceNames;
    private readonly string[] _categories;

    public TextCheckWriter(TextWriter output, IReadOnlyList<ImageSource> sources)
    {
        _output = output;
        _sourceNames = new string[sources.Count];
        _categories = new string[sources.Count];
        for (int i = 0; i < sources.Count; i++)
        {
            _sourceNames[i] = Field(sources[i].Name);
            _categories[i] = Field(sources[i].Category);
        }
    }

    public override void Write(ReadOnlySpan<char> name, in CheckAnswer answer)
    {
        TextWriter output = _output;
        if (name.IndexOfAnyInRange('\0', '\u001f') >= 0)
        {
            name = Field(name.ToString()); // only invalid input gets here
        }

        output.Write(name);
        output.Write('\t');
        output.Write(VerdictText(answer.Verdict));
        output.Write('\t');
        if (answer.SourceIndex < 0)
        {
            output.Write("-\t-\t-\n");
            return;
        }

        output.Write(answer.Rule);
        output.Write('\t');
        output.Write(_sourceNames[answer.SourceIndex]);
        output.Write('\t');
        output.Write(_categories[answer.SourceIndex]);
        output.Write('\n');
    }

    public override void Complete() => _output.Flush();

    private static string Field(string text)
    {
        if (text.Length == 0)
        {
            return Empty;
        }

        return text.AsSpan().IndexOfAnyInRange('\0', '\u001f') < 0
            ? text
            : string.Create(text.Length, text, static (span, source) =>
            {
                for (int i = 0; i < span.Length; i++)
                {
                    span[i] = source[i] < ' ' ? '?' : source[i];
                }
            });
    }
}
