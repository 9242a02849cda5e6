namespace PipShield.Service.QueryLog;

/// <summary>Writes a wire-format name as text, escaped as RFC 1035 §5.1 master files do.</summary>
internal static class PresentationName
{
    /// <summary>Room for the longest name: 255 bytes, each escaped as <c>\DDD</c>.</summary>
    public const int MaxChars = 255 * 4;

    /// <summary>Writes <paramref name="wireName"/> without the trailing dot (the root is <c>.</c>).</summary>
    /// <returns>The characters written; a truncated or malformed name stops at its last whole label.</returns>
    public static int Write(ReadOnlySpan<byte> wireName, Span<char> destination)
    {
        int written = 0;
        int position = 0;
        while (position < wireName.Length)
        {
            int length = wireName[position];
            if (length == 0 || length > 63 || position + 1 + length > wireName.Length)
            {
                break;
            }

            if (written > 0)
            {
                destination[written++] = '.';
            }

            foreach (byte b in wireName.Slice(position + 1, length))
            {
                written += WriteByte(b, destination[written..]);
            }

            position += 1 + length;
        }

        if (written == 0)
        {
            destination[written++] = '.';
        }

        return written;
    }

    private static int WriteByte(byte b, Span<char> destination)
    {
        // Dots inside a label, backslashes and quotes are escaped; so is anything that is not printable ASCII,
        // so a hostile name can neither break the line nor pass for another name.
        if (b is (byte)'.' or (byte)'\\' or (byte)'"' or (byte)'(' or (byte)')' or (byte)';' or (byte)'@' or (byte)'$')
        {
            destination[0] = '\\';
            destination[1] = (char)b;
            return 2;
        }

        if (b is < 0x21 or > 0x7E)
        {
            destination[0] = '\\';
            destination[1] = (char)('0' + (b / 100));
            destination[2] = (char)('0' + (b / 10 % 10));
            destination[3] = (char)('0' + (b % 10));
            return 4;
        }

        destination[0] = (char)b;
        return 1;
    }
}
