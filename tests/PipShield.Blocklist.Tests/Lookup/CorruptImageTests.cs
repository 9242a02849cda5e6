using System.Buffers.Binary;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Lookup;

public sealed class CorruptImageTests
{
    private static readonly byte[] Image = TestImages.CompileBytes(
        ("0.0.0.0 phish.example.com\n0.0.0.0 malware.example.net\n", ListFormat.Hosts),
        ("192.0.2.0/24\n2001:db8::/32\n", ListFormat.Ip));

    private static List<int> SectionBoundaries()
    {
        var boundaries = new List<int> { 0, 8, 12, 16, 24, 32, 40, 48, 64, 88, 128, 248, 255, 256 };
        for (int i = 0; i < 9; i++)
        {
            int entry = 88 + i * 16;
            int offset = (int)BinaryPrimitives.ReadUInt64LittleEndian(Image.AsSpan(entry));
            int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(Image.AsSpan(entry + 8));
            boundaries.AddRange([offset - 1, offset, offset + 1, offset + length - 1, offset + length]);
        }

        boundaries.Add(Image.Length - 1);
        return boundaries.Where(b => b >= 0 && b < Image.Length).Distinct().Order().ToList();
    }

    [Fact]
    public void Open_RefusesImage_TruncatedAtEverySectionBoundary()
    {
        foreach (int length in SectionBoundaries())
        {
            var error = Assert.Throws<InvalidBlocklistImageException>(() => BlocklistImage.FromBytes(Image.AsSpan(0, length)));
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
        }
    }

    [Fact]
    public void Open_RefusesImage_WithAnyByteFlipped()
    {
        // Every byte of the header and a spread of body bytes: the header checksum or the body checksum catches it.
        for (int i = 0; i < Image.Length; i += i < 256 ? 1 : 7)
        {
            byte[] copy = (byte[])Image.Clone();
            copy[i] ^= 0x5A;
            Assert.Throws<InvalidBlocklistImageException>(() => BlocklistImage.FromBytes(copy));
        }
    }

    [Fact]
    public void Open_RefusesImage_OfAnotherFormatVersion_WithAClearMessage()
    {
        byte[] copy = (byte[])Image.Clone();
        int other = BlocklistImage.FormatVersion + 1;
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(8), (uint)other);

        var error = Assert.Throws<InvalidBlocklistImageException>(() => BlocklistImage.FromBytes(copy));

        Assert.Contains($"version {other}", error.Message);
        Assert.Contains("compile the lists again", error.Message);
    }

    [Fact]
    public void Open_RefusesFile_ThatIsNotAnImage()
    {
        byte[] text = "0.0.0.0 example.com\n"u8.ToArray();
        Assert.Throws<InvalidBlocklistImageException>(() => BlocklistImage.FromBytes(text));
        Assert.Throws<InvalidBlocklistImageException>(() => BlocklistImage.FromBytes(new byte[4096]));
    }

    [Fact]
    public void Open_RefusesEmptyFile()
    {
        string path = Path.GetTempFileName();
        try
        {
            var error = Assert.Throws<InvalidBlocklistImageException>(() => BlocklistImage.Open(path));
            Assert.Contains("empty", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void HeaderOnlyOpen_OfACorruptBody_NeverReadsOutsideTheImage()
    {
        // Checksums skipped: flip body bytes (bucket counts, overflow flags, class indices, range starts)
        // and look up many names and addresses. Wrong answers are allowed here; crashes are not.
        var random = new Random(7);
        int bodyStart = 256;
        for (int round = 0; round < 300; round++)
        {
            byte[] copy = (byte[])Image.Clone();
            for (int k = 0; k < 8; k++)
            {
                copy[random.Next(bodyStart, copy.Length)] = (byte)random.Next(256);
            }

            BlocklistImage image;
            try
            {
                image = BlocklistImage.FromBytes(copy, ImageVerification.HeaderOnly);
            }
            catch (InvalidBlocklistImageException)
            {
                continue; // the class or source tables caught it
            }

            using (image)
            {
                foreach (string name in new[] { "phish.example.com", "a.malware.example.net", "example.org", "x.y.z.example" })
                {
                    RuleMatch match = image.Match(name);
                    _ = image.FormatRule(match, name);
                    _ = image.GetLocalData(match);
                }

                foreach (string address in new[] { "192.0.2.1", "0.0.0.0", "255.255.255.255", "2001:db8::1", "::" })
                {
                    _ = image.Match(System.Net.IPAddress.Parse(address));
                }
            }
        }
    }

    [Fact]
    public void Open_MapsAFile_AndLooksUpInPlace()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pipshield-{Guid.NewGuid():N}.pipbl");
        File.WriteAllBytes(path, Image);
        try
        {
            using var image = BlocklistImage.Open(path);
            Assert.Equal(Verdict.Blocked, image.Match("www.phish.example.com").Verdict);
            Assert.Equal(Image.Length, image.FileLength);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Release_OfTheLastLease_UnmapsOnlyThen()
    {
        var image = BlocklistImage.FromBytes(Image);
        Assert.True(image.TryAcquire());

        image.Dispose();
        Assert.Equal(Verdict.Blocked, image.Match("phish.example.com").Verdict); // still leased

        image.Release();
        Assert.False(image.TryAcquire());
    }
}
