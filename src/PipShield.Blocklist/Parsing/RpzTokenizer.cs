namespace PipShield.Blocklist.Parsing;

/// <summary>
/// Splits one master-file record (comments already removed, lines of a parenthesised record joined) into
/// fields. Parentheses act as whitespace; a quoted string is one field, quotes included.
/// </summary>
internal ref struct RpzTokenizer
{
    private readonly ReadOnlySpan<char> _text;
    private int _position;

    public RpzTokenizer(ReadOnlySpan<char> text)
    {
        _text = text;
        _position = 0;
    }

    public bool TryNext(out ReadOnlySpan<char> token)
    {
        ReadOnlySpan<char> text = _text;
        int i = _position;
        while (i < text.Length && (ListSyntax.IsSpace(text[i]) || text[i] is '(' or ')'))
        {
            i++;
        }

        if (i == text.Length)
        {
            _position = i;
            token = default;
            return false;
        }

        int start = i;
        if (text[i] == '"')
        {
            i++;
            while (i < text.Length && text[i] != '"')
            {
                i += text[i] == '\\' ? 2 : 1;
            }

            i = Math.Min(i + 1, text.Length);
        }
        else
        {
            while (i < text.Length && !ListSyntax.IsSpace(text[i]) && text[i] is not '(' and not ')' and not '"')
            {
                i += text[i] == '\\' ? 2 : 1;
            }

            i = Math.Min(i, text.Length);
        }

        _position = i;
        token = text[start..i];
        return true;
    }
}
