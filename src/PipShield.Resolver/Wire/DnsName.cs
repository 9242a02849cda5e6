namespace PipShield.Resolver.Wire;

/// <summary>Reads names inside messages.</summary>
public static class DnsName
{
    /// <summary>Most compression pointers followed for one name; a longer chain is treated as malformed.</summary>
    public const int MaxPointerHops = 128;

    /// <summary>
    /// Writes the name at <paramref name="offset"/> in <paramref name="message"/> to <paramref name="destination"/>
    /// as an uncompressed wire name, following compression pointers (RFC 1035 §4.1.4). Each pointer must point
    /// strictly backwards, never into the header, and at most <see cref="MaxPointerHops"/> are followed, so loops end.
    /// </summary>
    /// <returns>False for a malformed name, or one over 255 octets, or when <paramref name="destination"/> is too small.</returns>
    public static bool TryDecompress(ReadOnlySpan<byte> message, int offset, Span<byte> destination, out int length)
    {
        length = 0;
        int hops = 0;
        int position = offset;
        int lowestPointerTarget = offset;
        while (true)
        {
            if ((uint)position >= (uint)message.Length)
            {
                return false;
            }

            byte b = message[position];
            if (b == 0)
            {
                if (length >= destination.Length)
                {
                    return false;
                }

                destination[length++] = 0;
                return length <= 255;
            }

            if ((b & 0xC0) == 0xC0)
            {
                if (position + 1 >= message.Length || ++hops > MaxPointerHops)
                {
                    return false;
                }

                int target = ((b & 0x3F) << 8) | message[position + 1];
                if (target >= lowestPointerTarget || target < DnsHeader.Size)
                {
                    // RFC 1035 §4.1.4: pointers refer to a prior occurrence of a name; forward or self pointers
                    // loop, and no name lives in the header.
                    return false;
                }

                lowestPointerTarget = target;
                position = target;
                continue;
            }

            if ((b & 0xC0) != 0 || position + 1 + b > message.Length || length + 1 + b + 1 > Math.Min(255, destination.Length))
            {
                return false;
            }

            message.Slice(position, 1 + b).CopyTo(destination[length..]);
            length += 1 + b;
            position += 1 + b;
        }
    }

    /// <summary>Case-insensitive comparison of two uncompressed wire names.</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            byte x = a[i];
            byte y = b[i];
            if (x != y && ((uint)(x - 'A') <= 'Z' - 'A' ? x | 0x20 : x) != ((uint)(y - 'A') <= 'Z' - 'A' ? y | 0x20 : y))
            {
                return false;
            }
        }

        return true;
    }
}
