namespace PipShield.Blocklist.Lookup;

/// <summary>Offsets and sizes of the image format; docs/BLOCKLIST-FORMAT.md explains each one.</summary>
internal static class ImageLayout
{
    public static ReadOnlySpan<byte> Magic => "PIPBLIMG"u8;

    public const uint FormatVersion = 2;
    public const int HeaderSize = 256;
    public const int SectionAlignment = 64;

    // Header fields (little-endian).
    public const int MagicOffset = 0;
    public const int VersionOffset = 8;
    public const int HeaderSizeOffset = 12;
    public const int FileLengthOffset = 16;
    public const int BuildTimeOffset = 24;
    public const int BodyChecksumOffset = 32;
    public const int HashSeedOffset = 40;
    public const int BucketCountOffset = 48;
    public const int DomainNodeCountOffset = 52;
    public const int Ipv4RangeCountOffset = 56;
    public const int Ipv6RangeCountOffset = 60;
    public const int ClassCountOffset = 64;
    public const int SourceCountOffset = 68;
    public const int DomainRuleCountOffset = 72;
    public const int IpRuleCountOffset = 76;
    public const int RedundantCountOffset = 80;
    public const int SectionTableOffset = 88;
    public const int SectionEntrySize = 16;
    public const int HeaderChecksumOffset = 248;

    // Buckets: one cache line each, a 4-byte head and five 12-byte slots.
    public const int BucketSize = 64;
    public const int SlotsPerBucket = 5;
    public const int SlotSize = 12;
    public const int BucketHeadSize = 4;
    public const byte BucketOverflowFlag = 1;

    // Suffix filter: split-block Bloom filter, 32-byte blocks of eight 32-bit words, one bit set per word.
    public const int FilterBlockSize = 32;
    public const int FilterBitsPerNode = 12;

    public const int Ipv4StartSize = 4;
    public const int Ipv6StartSize = 16;
    public const int RangeMetaSize = 4;
    public const int ClassSize = 16;
    public const int SourceSize = 32;

    /// <summary>Target share of occupied slots; 0.8 keeps overflow into the next bucket rare.</summary>
    public const double LoadFactor = 0.8;

    public const uint NoLocalData = uint.MaxValue;

    public static int Align(int value) => (value + SectionAlignment - 1) & ~(SectionAlignment - 1);
}

/// <summary>The sections of an image, in file order.</summary>
internal enum ImageSection
{
    Buckets = 0,
    Ipv4Starts = 1,
    Ipv4Meta = 2,
    Ipv6Starts = 3,
    Ipv6Meta = 4,
    Classes = 5,
    Sources = 6,
    Strings = 7,
    Filter = 8,
}
