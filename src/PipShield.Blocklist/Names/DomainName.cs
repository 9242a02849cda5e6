using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace PipShield.Blocklist.Names;

/// <summary>
/// Normalises list names to the form the image stores: lower-case ASCII, IDN as A-labels (punycode), no
/// trailing dot, within RFC 1035 limits (label ≤ 63 octets, name ≤ 253 octets). Underscores and hyphens
/// are allowed anywhere in a label, because real DNS names use them (<c>_dmarc</c>, <c>api-.example</c>).
/// </summary>
public static class DomainName
{
    /// <summary>Longest name in presentation form without the trailing dot (RFC 1035 §2.3.4: 255 wire octets).</summary>
    public const int MaxLength = 253;

    /// <summary>Longest label (RFC 1035 §2.3.4).</summary>
    public const int MaxLabelLength = 63;

    /// <summary>Longest name in wire format, root label included.</summary>
    public const int MaxWireLength = 255;

    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    /// <summary>
    /// Normalises <paramref name="raw"/> into <paramref name="destination"/> (at least <see cref="MaxLength"/> chars).
    /// </summary>
    /// <param name="raw">A name as a list writes it: any case, optional trailing dot, Unicode or A-labels.</param>
    /// <param name="destination">Receives the normalised name.</param>
    /// <param name="length">Characters written.</param>
    /// <param name="error">What is wrong when the result is false; a phrase without the line number.</param>
    /// <param name="allowSingleLabel">Accept a one-label name (a whole top-level domain).</param>
    public static bool TryNormalize(ReadOnlySpan<char> raw, Span<char> destination, out int length,
        [NotNullWhen(false)] out string? error, bool allowSingleLabel = false)
    {
        length = 0;
        ReadOnlySpan<char> name = raw.Trim();
        if (name.EndsWith('.'))
        {
            name = name[..^1];
        }

        if (name.IsEmpty)
        {
            error = "empty name";
            return false;
        }

        string? idn = null;
        if (!System.Text.Ascii.IsValid(name))
        {
            try
            {
                // Lower-case first: IdnMapping folds ASCII but not Ü, and UTS #46 maps case before encoding.
                idn = Idn.GetAscii(name.ToString().ToLowerInvariant());
            }
            catch (ArgumentException)
            {
                error = $"'{name.ToString()}' is not a valid internationalised domain name";
                return false;
            }

            name = idn;
        }

        if (name.Length > MaxLength)
        {
            error = $"name is {name.Length} characters long, over the limit of {MaxLength}";
            return false;
        }

        int labelStart = 0;
        int labels = 0;
        bool lastLabelNumeric = true;
        for (int i = 0; i <= name.Length; i++)
        {
            if (i == name.Length || name[i] == '.')
            {
                int labelLength = i - labelStart;
                if (labelLength == 0)
                {
                    error = $"'{name.ToString()}' has an empty label";
                    return false;
                }

                if (labelLength > MaxLabelLength)
                {
                    error = $"label '{name.Slice(labelStart, labelLength).ToString()}' is {labelLength} characters long, over the limit of {MaxLabelLength}";
                    return false;
                }

                labels++;
                labelStart = i + 1;
                if (i < name.Length)
                {
                    destination[i] = '.';
                    lastLabelNumeric = true;
                }

                continue;
            }

            char c = name[i];
            if (c is >= 'A' and <= 'Z')
            {
                c = (char)(c | 0x20);
            }

            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
            {
                error = c is ' ' or '\t'
                    ? $"'{name.ToString()}' contains white space"
                    : $"'{name.ToString()}' contains '{c}', which is not allowed in a host name";
                return false;
            }

            if (c is < '0' or > '9')
            {
                lastLabelNumeric = false;
            }

            destination[i] = c;
        }

        if (lastLabelNumeric)
        {
            error = labels == 4
                ? $"'{name.ToString()}' is an IP address, not a domain name"
                : $"'{name.ToString()}' ends in an all-numeric label, which no top-level domain has";
            return false;
        }

        if (labels == 1 && !allowSingleLabel)
        {
            error = $"'{name.ToString()}' is a single label and would cover a whole top-level domain; write '*.{name.ToString()}' to mean that";
            return false;
        }

        length = name.Length;
        error = null;
        return true;
    }

    /// <summary>Normalises a name, throwing <see cref="FormatException"/> when it is invalid.</summary>
    public static string Normalize(string raw, bool allowSingleLabel = false)
    {
        Span<char> buffer = stackalloc char[MaxLength];
        return TryNormalize(raw, buffer, out int length, out string? error, allowSingleLabel)
            ? new string(buffer[..length])
            : throw new FormatException(error);
    }

    /// <summary>
    /// Writes a normalised presentation name (as produced by <see cref="TryNormalize"/>) in DNS wire format.
    /// </summary>
    /// <returns>Bytes written, root label included; 0 when <paramref name="name"/> is not a valid ASCII name.</returns>
    public static int WriteWire(ReadOnlySpan<char> name, Span<byte> destination)
    {
        if (name.EndsWith('.'))
        {
            name = name[..^1];
        }

        if (name.Length > MaxLength || destination.Length < name.Length + 2)
        {
            return 0;
        }

        int lengthAt = 0;
        int pos = 1;
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (c == '.')
            {
                int labelLength = pos - lengthAt - 1;
                if (labelLength is 0 or > MaxLabelLength)
                {
                    return 0;
                }

                destination[lengthAt] = (byte)labelLength;
                lengthAt = pos++;
                continue;
            }

            if (c > 0x7F)
            {
                return 0;
            }

            destination[pos++] = (byte)c;
        }

        int last = pos - lengthAt - 1;
        if (name.Length > 0 && last is 0 or > MaxLabelLength)
        {
            return 0;
        }

        if (name.Length == 0)
        {
            destination[0] = 0;
            return 1;
        }

        destination[lengthAt] = (byte)last;
        destination[pos++] = 0;
        return pos;
    }
}
