using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace PipShield.Blocklist.Parsing;

/// <summary>Token and character helpers shared by the list parsers.</summary>
internal static class ListSyntax
{
    /// <summary>Longest excerpt of a line quoted in an error reason.</summary>
    private const int MaxQuotedLength = 80;

    private static readonly SearchValues<char> Spaces = SearchValues.Create(" \t\r\f\v");

    /// <summary>ASCII characters that cannot appear in a host name token: everything but letters, digits, '-', '.', '_'.
    /// Non-ASCII characters are allowed through: IDN handling is the compiler's job.</summary>
    private static readonly SearchValues<char> NonHostAscii = SearchValues.Create(BuildNonHostAscii());

    /// <summary>Field separators: space and tab, plus the CR of a stray line ending and form feeds.</summary>
    public static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\f' or '\v';

    public static int IndexOfSpace(ReadOnlySpan<char> text) => text.IndexOfAny(Spaces);

    public static int IndexOfNonHostChar(ReadOnlySpan<char> text) => text.IndexOfAny(NonHostAscii);

    public static ReadOnlySpan<char> TrimStart(ReadOnlySpan<char> text)
    {
        int start = 0;
        while (start < text.Length && IsSpace(text[start]))
        {
            start++;
        }

        return text[start..];
    }

    public static ReadOnlySpan<char> Trim(ReadOnlySpan<char> text)
    {
        text = TrimStart(text);
        int end = text.Length;
        while (end > 0 && IsSpace(text[end - 1]))
        {
            end--;
        }

        return text[..end];
    }

    /// <summary>Returns the next whitespace-separated token and advances <paramref name="rest"/> past it;
    /// empty when none is left.</summary>
    public static ReadOnlySpan<char> NextToken(ref ReadOnlySpan<char> rest)
    {
        ReadOnlySpan<char> text = TrimStart(rest);
        int end = IndexOfSpace(text);
        if (end < 0)
        {
            rest = default;
            return text;
        }

        rest = text[end..];
        return text[..end];
    }

    /// <summary>Cuts an inline comment that starts with <paramref name="marker"/> at the line start or after whitespace.</summary>
    public static ReadOnlySpan<char> CutCommentAfterSpace(ReadOnlySpan<char> text, char marker)
    {
        int from = 0;
        while (true)
        {
            int index = text[from..].IndexOf(marker);
            if (index < 0)
            {
                return text;
            }

            index += from;
            if (index == 0 || IsSpace(text[index - 1]))
            {
                return text[..index];
            }

            from = index + 1;
        }
    }

    /// <summary>
    /// Whether <paramref name="token"/> is one IPv4 (dotted quad) or IPv6 address, as in a hosts file's first field.
    /// An IPv6 zone (<c>fe80::1%lo0</c>, as in macOS hosts files) is allowed.
    /// </summary>
    public static bool IsIpAddress(ReadOnlySpan<char> token)
    {
        // The two sinks nearly every hosts feed uses; skip the general parser (and its allocation) for them.
        if (token.SequenceEqual("0.0.0.0") || token.SequenceEqual("127.0.0.1"))
        {
            return true;
        }

        if (token.Contains(':'))
        {
            int zone = token.IndexOf('%');
            if (zone > 0)
            {
                token = token[..zone];
            }

            return IPAddress.TryParse(token, out IPAddress? v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
        }

        // IPAddress.TryParse also takes "1" and "1.2" as IPv4 shorthands; a hosts file never means those.
        return token.Count('.') == 3
            && IPAddress.TryParse(token, out IPAddress? v4)
            && v4.AddressFamily == AddressFamily.InterNetwork;
    }

    /// <summary>The token in single quotes for an error reason, shortened and with control characters replaced.</summary>
    public static string Quote(ReadOnlySpan<char> text)
    {
        bool shortened = text.Length > MaxQuotedLength;
        if (shortened)
        {
            text = text[..MaxQuotedLength];
        }

        var chars = new char[text.Length + (shortened ? 3 : 2)];
        chars[0] = '\'';
        for (int i = 0; i < text.Length; i++)
        {
            chars[i + 1] = char.IsControl(text[i]) ? '?' : text[i];
        }

        chars[text.Length + 1] = '\'';
        if (shortened)
        {
            chars[^1] = '…';
        }

        return new string(chars);
    }

    /// <summary>Names a whitespace character for an error reason.</summary>
    public static string DescribeSpace(char c) => c switch
    {
        ' ' => "a space",
        '\t' => "a tab",
        _ => "whitespace",
    };

    private static string BuildNonHostAscii()
    {
        var chars = new char[128];
        int count = 0;
        for (char c = (char)0; c < 128; c++)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '.' and not '_')
            {
                chars[count++] = c;
            }
        }

        return new string(chars, 0, count);
    }
}
