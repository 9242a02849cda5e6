using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Lookup;

/// <summary>
/// A compiled blocklist image, used in place: opening maps the file read-only and checks its header and
/// tables; nothing is deserialised. Lookups are thread-safe and allocate nothing.
/// </summary>
/// <remarks>
/// Lifetime: the opener holds one lease; <see cref="TryAcquire"/> takes another for work that may outlive a
/// swap (a query in flight). The mapping is released when the last lease is released; <see cref="Dispose"/>
/// releases the opener's.
/// </remarks>
public sealed unsafe partial class BlocklistImage : IDisposable
{
    private readonly ImageMemory _memory;
    private readonly byte* _buckets;
    private readonly uint _bucketCount;
    private readonly byte* _filter;
    private readonly uint _filterBlocks;
    private readonly byte* _ipv4Starts;
    private readonly byte* _ipv4Meta;
    private readonly int _ipv4Count;
    private readonly byte* _ipv6Starts;
    private readonly byte* _ipv6Meta;
    private readonly int _ipv6Count;
    private readonly byte* _classes;
    private readonly int _classCount;
    private readonly byte* _strings;
    private readonly int _stringsLength;
    private readonly ImageSource[] _sources;
    private int _leases = 1;
    private int _disposed;

    private BlocklistImage(ImageMemory memory, string displayName, ImageVerification verification)
    {
        _memory = memory;
        byte* b = memory.Pointer;
        long length = memory.Length;
        if (length < ImageLayout.HeaderSize)
        {
            ThrowHelper.InvalidImage($"{displayName}: {length} bytes is shorter than the {ImageLayout.HeaderSize}-byte header; the file is truncated or not an image");
        }

        var header = new ReadOnlySpan<byte>(b, ImageLayout.HeaderSize);
        if (!header[..8].SequenceEqual(ImageLayout.Magic))
        {
            ThrowHelper.InvalidImage($"{displayName}: not a PipShield blocklist image (bad magic)");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[ImageLayout.VersionOffset..]);
        if (version != ImageLayout.FormatVersion)
        {
            ThrowHelper.InvalidImage($"{displayName}: image format version {version}, but this build reads version {ImageLayout.FormatVersion}; compile the lists again with this build");
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(header[ImageLayout.HeaderChecksumOffset..]) != XxHash3.HashToUInt64(header[..ImageLayout.HeaderChecksumOffset]))
        {
            ThrowHelper.InvalidImage($"{displayName}: header checksum mismatch; the header is corrupt");
        }

        ulong fileLength = BinaryPrimitives.ReadUInt64LittleEndian(header[ImageLayout.FileLengthOffset..]);
        if (fileLength != (ulong)length)
        {
            ThrowHelper.InvalidImage($"{displayName}: the header says {fileLength} bytes but the file has {length}; it is truncated or has trailing data");
        }

        if (length > int.MaxValue)
        {
            ThrowHelper.InvalidImage($"{displayName}: images over 2 GiB are not supported");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header[ImageLayout.HeaderSizeOffset..]) != ImageLayout.HeaderSize
            || BinaryPrimitives.ReadUInt64LittleEndian(header[ImageLayout.HashSeedOffset..]) != SuffixHash.Seed)
        {
            ThrowHelper.InvalidImage($"{displayName}: unexpected header size or hash seed for format version {version}");
        }

        BuildTime = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(BinaryPrimitives.ReadInt64LittleEndian(header[ImageLayout.BuildTimeOffset..]), 0, 253402300799));
        _bucketCount = BinaryPrimitives.ReadUInt32LittleEndian(header[ImageLayout.BucketCountOffset..]);
        DomainNodeCount = ReadCount(header, ImageLayout.DomainNodeCountOffset, displayName);
        _ipv4Count = ReadCount(header, ImageLayout.Ipv4RangeCountOffset, displayName);
        _ipv6Count = ReadCount(header, ImageLayout.Ipv6RangeCountOffset, displayName);
        _classCount = ReadCount(header, ImageLayout.ClassCountOffset, displayName);
        int sourceCount = ReadCount(header, ImageLayout.SourceCountOffset, displayName);
        DomainRuleCount = ReadCount(header, ImageLayout.DomainRuleCountOffset, displayName);
        IpRuleCount = ReadCount(header, ImageLayout.IpRuleCountOffset, displayName);
        RedundantCount = ReadCount(header, ImageLayout.RedundantCountOffset, displayName);
        if (_bucketCount == 0 || _bucketCount > int.MaxValue / ImageLayout.BucketSize
            || (ulong)DomainNodeCount > (ulong)_bucketCount * ImageLayout.SlotsPerBucket
            || _classCount == 0 || _classCount > ushort.MaxValue + 1 || sourceCount > ushort.MaxValue)
        {
            ThrowHelper.InvalidImage($"{displayName}: the header's counts are inconsistent");
        }

        long[] expected =
        [
            (long)_bucketCount * ImageLayout.BucketSize,
            (long)_ipv4Count * ImageLayout.Ipv4StartSize,
            (long)_ipv4Count * ImageLayout.RangeMetaSize,
            (long)_ipv6Count * ImageLayout.Ipv6StartSize,
            (long)_ipv6Count * ImageLayout.RangeMetaSize,
            (long)_classCount * ImageLayout.ClassSize,
            (long)sourceCount * ImageLayout.SourceSize,
            -1, // strings: any length
            -2, // filter: whole blocks, at least one
        ];
        var sections = new (int Offset, int Length)[expected.Length];
        long previousEnd = ImageLayout.HeaderSize;
        for (int i = 0; i < expected.Length; i++)
        {
            ReadOnlySpan<byte> entry = header[(ImageLayout.SectionTableOffset + i * ImageLayout.SectionEntrySize)..];
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(entry);
            ulong sectionLength = BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]);
            if (offset < (ulong)previousEnd || offset % ImageLayout.SectionAlignment != 0 || offset > (ulong)length
                || sectionLength > (ulong)length - offset || (expected[i] >= 0 && sectionLength != (ulong)expected[i])
                || (expected[i] == -2 && (sectionLength == 0 || sectionLength % ImageLayout.FilterBlockSize != 0)))
            {
                ThrowHelper.InvalidImage($"{displayName}: section {(ImageSection)i} lies outside the file or has the wrong size; the image is truncated or corrupt");
            }

            sections[i] = ((int)offset, (int)sectionLength);
            previousEnd = (long)(offset + sectionLength);
        }

        if (verification == ImageVerification.Full)
        {
            ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(header[ImageLayout.BodyChecksumOffset..]);
            if (stored != XxHash3.HashToUInt64(new ReadOnlySpan<byte>(b + ImageLayout.HeaderSize, (int)length - ImageLayout.HeaderSize)))
            {
                ThrowHelper.InvalidImage($"{displayName}: body checksum mismatch; the image is corrupt");
            }
        }

        _buckets = b + sections[(int)ImageSection.Buckets].Offset;
        _filter = b + sections[(int)ImageSection.Filter].Offset;
        _filterBlocks = (uint)(sections[(int)ImageSection.Filter].Length / ImageLayout.FilterBlockSize);
        _ipv4Starts = b + sections[(int)ImageSection.Ipv4Starts].Offset;
        _ipv4Meta = b + sections[(int)ImageSection.Ipv4Meta].Offset;
        _ipv6Starts = b + sections[(int)ImageSection.Ipv6Starts].Offset;
        _ipv6Meta = b + sections[(int)ImageSection.Ipv6Meta].Offset;
        _classes = b + sections[(int)ImageSection.Classes].Offset;
        _strings = b + sections[(int)ImageSection.Strings].Offset;
        _stringsLength = sections[(int)ImageSection.Strings].Length;

        ValidateClasses(displayName, sourceCount);
        _sources = ReadSources(displayName, b + sections[(int)ImageSection.Sources].Offset, sourceCount);
        FileLength = length;
    }

    /// <summary>Maps an image file read-only.</summary>
    /// <exception cref="InvalidBlocklistImageException">The file is not a usable image; the message says why.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static BlocklistImage Open(string path, ImageVerification verification = ImageVerification.Full)
    {
        ImageMemory memory = ImageMemory.Map(path);
        try
        {
            return new BlocklistImage(memory, path, verification);
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    /// <summary>Uses a copy of image bytes held in memory (tests, or an image built in this process).</summary>
    /// <exception cref="InvalidBlocklistImageException">The bytes are not a usable image.</exception>
    public static BlocklistImage FromBytes(ReadOnlySpan<byte> bytes, ImageVerification verification = ImageVerification.Full)
    {
        ImageMemory memory = ImageMemory.Copy(bytes);
        try
        {
            return new BlocklistImage(memory, "image", verification);
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    /// <summary>The image format version this build reads and writes.</summary>
    public static int FormatVersion => (int)ImageLayout.FormatVersion;

    /// <summary>When the image was compiled (see docs/BLOCKLIST-FORMAT.md for how it is chosen).</summary>
    public DateTimeOffset BuildTime { get; }

    /// <summary>Size of the image in bytes.</summary>
    public long FileLength { get; }

    /// <summary>Names stored in the suffix table.</summary>
    public int DomainNodeCount { get; }

    /// <summary>Domain rules accepted at compile time.</summary>
    public int DomainRuleCount { get; }

    /// <summary>IP rules accepted at compile time.</summary>
    public int IpRuleCount { get; }

    /// <summary>Names dropped at compile time because a listed parent answers the same.</summary>
    public int RedundantCount { get; }

    /// <summary>Disjoint IPv4 ranges the prefixes flatten to.</summary>
    public int Ipv4RangeCount => _ipv4Count;

    /// <summary>Disjoint IPv6 ranges the prefixes flatten to.</summary>
    public int Ipv6RangeCount => _ipv6Count;

    /// <summary>Buckets of the suffix table (64 bytes each).</summary>
    public long BucketCount => _bucketCount;

    /// <summary>The sources the image was compiled from, in precedence order.</summary>
    public IReadOnlyList<ImageSource> Sources => _sources;

    /// <summary>The source of a match.</summary>
    public ImageSource GetSource(in RuleMatch match) => _sources[match.SourceIndex];

    /// <summary>The RPZ local data of a <see cref="RuleAction.LocalData"/> match as UTF-8 master-file text,
    /// one record per line (<c>A 192.0.2.1</c>); empty otherwise.</summary>
    public ReadOnlySpan<byte> GetLocalData(RuleMatch match)
    {
        if (match.Verdict == Verdict.None || match.RuleClass >= _classCount)
        {
            return default;
        }

        byte* c = _classes + match.RuleClass * ImageLayout.ClassSize;
        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(c + 8, 4));
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(c + 12, 4));
        return offset == ImageLayout.NoLocalData ? default : new ReadOnlySpan<byte>(_strings + offset, (int)length);
    }

    /// <summary>Takes a lease that keeps the mapping alive; false once the image is being released.</summary>
    public bool TryAcquire()
    {
        int current = Volatile.Read(ref _leases);
        while (current > 0)
        {
            int seen = Interlocked.CompareExchange(ref _leases, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Releases a lease from <see cref="TryAcquire"/>.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _leases) == 0)
        {
            _memory.Dispose();
        }
    }

    /// <summary>Releases the opener's lease; the mapping goes when no other lease holds it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
        }
    }

    private static int ReadCount(ReadOnlySpan<byte> header, int offset, string displayName)
    {
        uint value = BinaryPrimitives.ReadUInt32LittleEndian(header[offset..]);
        if (value > int.MaxValue)
        {
            ThrowHelper.InvalidImage($"{displayName}: a count in the header is out of range");
        }

        return (int)value;
    }

    private void ValidateClasses(string displayName, int sourceCount)
    {
        // Class 0 means "no rule"; every other must name a source, a verdict and in-bounds local data.
        for (int i = 1; i < _classCount; i++)
        {
            var c = new ReadOnlySpan<byte>(_classes + i * ImageLayout.ClassSize, ImageLayout.ClassSize);
            uint offset = BinaryPrimitives.ReadUInt32LittleEndian(c[8..]);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(c[12..]);
            bool localDataOk = offset == ImageLayout.NoLocalData
                ? length == 0
                : offset <= (uint)_stringsLength && length <= (uint)_stringsLength - offset;
            if (BinaryPrimitives.ReadUInt16LittleEndian(c) >= sourceCount || c[2] is not (1 or 2)
                || c[3] > (byte)RuleAction.LocalData || c[4] > (byte)DomainScope.NameOnly || !localDataOk)
            {
                ThrowHelper.InvalidImage($"{displayName}: rule class {i} is corrupt");
            }
        }
    }

    private ImageSource[] ReadSources(string displayName, byte* table, int count)
    {
        var sources = new ImageSource[count];
        for (int i = 0; i < count; i++)
        {
            var s = new ReadOnlySpan<byte>(table + i * ImageLayout.SourceSize, ImageLayout.SourceSize);
            string name = ReadString(displayName, BinaryPrimitives.ReadUInt32LittleEndian(s));
            string category = ReadString(displayName, BinaryPrimitives.ReadUInt32LittleEndian(s[4..]));
            if (s[8] > (byte)ListFormat.Ip || s[9] > (byte)RuleAction.LocalData)
            {
                ThrowHelper.InvalidImage($"{displayName}: source {i} is corrupt");
            }

            sources[i] = new ImageSource(i, name, category, (ListFormat)s[8], (RuleAction)s[9],
                (s[10] & 1) != 0, (s[10] & 2) != 0,
                BinaryPrimitives.ReadInt32LittleEndian(s[12..]), BinaryPrimitives.ReadInt32LittleEndian(s[16..]),
                BinaryPrimitives.ReadInt32LittleEndian(s[20..]), BinaryPrimitives.ReadInt32LittleEndian(s[24..]),
                BinaryPrimitives.ReadInt32LittleEndian(s[28..]));
        }

        return sources;
    }

    private string ReadString(string displayName, uint offset)
    {
        if (offset > (uint)_stringsLength - 2 || _stringsLength < 2)
        {
            ThrowHelper.InvalidImage($"{displayName}: a string offset lies outside the string section");
        }

        var strings = new ReadOnlySpan<byte>(_strings, _stringsLength);
        int length = BinaryPrimitives.ReadUInt16LittleEndian(strings[(int)offset..]);
        if (length > _stringsLength - (int)offset - 2)
        {
            ThrowHelper.InvalidImage($"{displayName}: a string runs past the end of the string section");
        }

        return Encoding.UTF8.GetString(strings.Slice((int)offset + 2, length));
    }
}
