using System.Buffers.Binary;
using System.IO.Hashing;
using System.Net;
using PipShield.Blocklist;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Names;

namespace PipShield.Fuzz.Targets;

/// <summary>
/// The <c>image</c> target: the bytes are a compiled blocklist image. It is opened with
/// <see cref="BlocklistImage.FromBytes"/> (<see cref="ImageVerification.HeaderOnly"/>, as the service opens an
/// image it compiled itself) and, when that succeeds, asked about a handful of names and addresses.
/// </summary>
/// <remarks>
/// The only exception expected is <see cref="InvalidBlocklistImageException"/> from opening. The header carries
/// its own checksum, which random bytes never match, so each input is opened twice: as it is, and with the
/// header's file length and checksum rewritten to fit, so that mutations reach the section and table checks
/// and the lookups behind them. Reading outside the image does not throw; <c>fuzz/run.sh</c> catches it with
/// a guard page after the image (fuzz/guard/).
/// </remarks>
internal static class ImageTarget
{
    public const string Name = "image";

    // docs/BLOCKLIST-FORMAT.md: the header is 256 bytes; the file length sits at 16, the header checksum
    // (XxHash3 of the 248 bytes before it) at 248.
    private const int HeaderSize = 256;
    private const int FileLengthOffset = 16;
    private const int HeaderChecksumOffset = 248;

    private static readonly string[] Names =
    [
        "phish.example.net", "login.phish.example.net", "www.example.org", "ads.example.org",
        "x.y.ads.example.org", "giftcard-scam.example.org", "help.support-desk.example.com", "example", "a.b.c.d.e.f.g.example.net",
    ];

    private static readonly byte[][] WireNames = [.. Names.Select(ToWire), [0], [3, (byte)'o', (byte)'r', (byte)'g', 0]];

    private static readonly IPAddress[] Addresses =
    [
        IPAddress.Parse("192.0.2.1"), IPAddress.Parse("198.51.100.7"), IPAddress.Parse("203.0.113.1"), IPAddress.Parse("0.0.0.0"),
        IPAddress.Parse("255.255.255.255"), IPAddress.Parse("2001:db8::1"), IPAddress.Parse("2001:db8:bad::c2"),
        IPAddress.Parse("::ffff:192.0.2.66"), IPAddress.Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), IPAddress.IPv6Any,
    ];

    public static void Run(ReadOnlySpan<byte> data)
    {
        OpenAndLookUp(data);
        if (data.Length >= HeaderSize)
        {
            byte[] patched = data.ToArray();
            BinaryPrimitives.WriteUInt64LittleEndian(patched.AsSpan(FileLengthOffset), (ulong)patched.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(patched.AsSpan(HeaderChecksumOffset), XxHash3.HashToUInt64(patched.AsSpan(0, HeaderChecksumOffset)));
            OpenAndLookUp(patched);
        }
    }

    private static void OpenAndLookUp(ReadOnlySpan<byte> bytes)
    {
        BlocklistImage image;
        try
        {
            image = BlocklistImage.FromBytes(bytes, ImageVerification.HeaderOnly);
        }
        catch (InvalidBlocklistImageException)
        {
            return;
        }

        using (image)
        {
            FuzzFindingException.Check(image.FileLength == bytes.Length, "an opened image is as long as its bytes");
            foreach (ImageSource source in image.Sources)
            {
                _ = source.Name.Length + source.Category.Length;
            }

            foreach (byte[] wire in WireNames)
            {
                Inspect(image, image.Match(wire), wire);
            }

            foreach (string name in Names)
            {
                Inspect(image, image.Match(name.AsSpan()), ToWire(name));
            }

            foreach (IPAddress address in Addresses)
            {
                RuleMatch match = image.Match(address);
                FuzzFindingException.Check(match.Verdict == Verdict.None || match.IsIp, "an address match is an IP match");
                if (match.Verdict != Verdict.None)
                {
                    _ = image.GetSource(match);
                    _ = BlocklistImage.FormatRule(match, address);
                }
            }

            if (image.TryAcquire())
            {
                image.Release();
            }
        }
    }

    private static void Inspect(BlocklistImage image, RuleMatch match, ReadOnlySpan<byte> wire)
    {
        if (match.Verdict == Verdict.None)
        {
            return;
        }

        FuzzFindingException.Check(!match.IsIp && match.NameOffset < wire.Length, "a name match points into the name");
        _ = image.GetSource(match);
        _ = image.GetLocalData(match).Length;
        _ = image.FormatRule(match, wire);
    }

    private static byte[] ToWire(string name)
    {
        var buffer = new byte[DomainName.MaxWireLength + 1];
        return buffer[..DomainName.WriteWire(name, buffer)];
    }
}
