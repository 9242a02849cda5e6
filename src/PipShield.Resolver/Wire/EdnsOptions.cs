using System.Buffers.Binary;

namespace PipShield.Resolver.Wire;

/// <summary>Checks and writes EDNS options (RFC 6891 §6.1.2).</summary>
public static class EdnsOptions
{
    public const ushort ClientSubnet = 8;
    public const ushort Cookie = 10;
    public const ushort Padding = 12;
    public const ushort ExtendedError = 15;

    /// <summary>
    /// True when the OPT RDATA is a well-formed sequence of options and the ones PipShield understands are
    /// valid; unknown options are ignored (RFC 6891 §6.1.2).
    /// </summary>
    public static bool AreWellFormed(ReadOnlySpan<byte> rdata)
    {
        int position = 0;
        while (position < rdata.Length)
        {
            if (position + 4 > rdata.Length)
            {
                return false;
            }

            ushort code = BinaryPrimitives.ReadUInt16BigEndian(rdata[position..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(rdata[(position + 2)..]);
            position += 4;
            if (position + length > rdata.Length)
            {
                return false;
            }

            ReadOnlySpan<byte> data = rdata.Slice(position, length);
            position += length;
            switch (code)
            {
                // RFC 7873 §4: a client cookie of 8 bytes, optionally a server cookie of 8 to 32.
                case Cookie when length != 8 && length is < 16 or > 40:
                    return false;

                // RFC 7871 §6: family, source prefix, scope prefix (0 in queries), then the address bytes.
                case ClientSubnet when !IsValidClientSubnet(data):
                    return false;
            }
        }

        return true;
    }

    /// <summary>
    /// True when the OPT RDATA holds an Extended DNS Error option with no EXTRA-TEXT: the client's signal that it
    /// understands structured EXTRA-TEXT (draft-ietf-dnsop-structured-dns-error). Call after <see cref="AreWellFormed"/>.
    /// </summary>
    public static bool SignalsStructuredError(ReadOnlySpan<byte> rdata)
    {
        int position = 0;
        while (position + 4 <= rdata.Length)
        {
            ushort code = BinaryPrimitives.ReadUInt16BigEndian(rdata[position..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(rdata[(position + 2)..]);
            if (code == ExtendedError && length is 0 or 2)
            {
                return true; // empty, or an INFO-CODE without text
            }

            position += 4 + length;
        }

        return false;
    }

    private static bool IsValidClientSubnet(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4)
        {
            return false;
        }

        ushort family = BinaryPrimitives.ReadUInt16BigEndian(data);
        int sourcePrefix = data[2];
        int maxBits = family switch { 1 => 32, 2 => 128, _ => -1 };
        return maxBits >= 0 && sourcePrefix <= maxBits && data[3] == 0 && data.Length - 4 == (sourcePrefix + 7) / 8;
    }
}
