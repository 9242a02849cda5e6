using System.Security.Cryptography;

namespace PipShield.Service.Devices;

/// <summary>Device IDs: random, unguessable, and usable as a DNS label and a URL path segment as they are.</summary>
internal static class DeviceIds
{
    /// <summary>20 base32 characters: 100 random bits, short enough to type from a screen.</summary>
    public const int Length = 20;

    // RFC 4648 base32 in lower case: DNS names are case-insensitive, so one case avoids two spellings of one ID.
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>A new ID from the system's cryptographic random number generator.</summary>
    public static string New() => RandomNumberGenerator.GetString(Alphabet, Length);

    /// <summary>Whether <paramref name="text"/> has the form of an ID (not whether it is enrolled).</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> text)
    {
        if (text.Length != Length)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiLetterLower(c) && c is not (>= '2' and <= '7'))
            {
                return false;
            }
        }

        return true;
    }
}
