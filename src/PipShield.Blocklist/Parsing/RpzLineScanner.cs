using System.Diagnostics.CodeAnalysis;

namespace PipShield.Blocklist.Parsing;

/// <summary>
/// Finds where a master-file line's data ends (RFC 1035 §5.1: ';' starts a comment outside quoted strings)
/// and tracks the parentheses that let one record span several lines.
/// </summary>
internal static class RpzLineScanner
{
    /// <param name="line">One physical line.</param>
    /// <param name="insideParentheses">Whether a '(' from an earlier line is still open.</param>
    /// <param name="dataLength">Length of the line before any comment.</param>
    /// <param name="stillInside">Whether a '(' is open at the end of the line.</param>
    /// <param name="error">What is wrong when false is returned.</param>
    public static bool Scan(ReadOnlySpan<char> line, bool insideParentheses, out int dataLength, out bool stillInside,
        [NotNullWhen(false)] out string? error)
    {
        bool inQuotes = false;
        bool open = insideParentheses;
        int i = 0;
        for (; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '\\')
            {
                // RFC 1035 §5.1: \X and \DDD escapes; the escaped character is never syntax.
                i++;
                continue;
            }

            if (c == '"')
            {
                inQuotes = !inQuotes;
                continue;
            }

            if (inQuotes)
            {
                continue;
            }

            if (c == ';')
            {
                break;
            }

            if (c == '(')
            {
                if (open)
                {
                    return Fail("nested parenthesis", out dataLength, out stillInside, out error);
                }

                open = true;
            }
            else if (c == ')')
            {
                if (!open)
                {
                    return Fail("')' without a matching '('", out dataLength, out stillInside, out error);
                }

                open = false;
            }
        }

        if (inQuotes)
        {
            return Fail("unterminated quoted string", out dataLength, out stillInside, out error);
        }

        dataLength = Math.Min(i, line.Length);
        stillInside = open;
        error = null;
        return true;
    }

    private static bool Fail(string reason, out int dataLength, out bool stillInside, out string? error)
    {
        dataLength = 0;
        stillInside = false;
        error = reason;
        return false;
    }
}
