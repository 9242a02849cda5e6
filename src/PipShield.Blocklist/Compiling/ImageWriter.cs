using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using PipShield.Blocklist.Lookup;

namespace PipShield.Blocklist.Compiling;

/// <summary>Lays out the sections of an image (docs/BLOCKLIST-FORMAT.md) and writes header and checksums.</summary>
internal static class ImageWriter
{
    internal readonly record struct NodeEntry(ulong Fingerprint, ushort Apex, ushort Subtree) : IComparable<NodeEntry>
    {
        public int CompareTo(NodeEntry other) => Fingerprint.CompareTo(other.Fingerprint);
    }

    internal sealed class Input
    {
        public required NodeEntry[] Nodes { get; init; }
        public required List<PrefixFlattener.Range> Ipv4 { get; init; }
        public required List<PrefixFlattener.Range> Ipv6 { get; init; }
        public required List<RuleClass> Classes { get; init; }
        public required List<SourceSummary> Sources { get; init; }
        public required DateTimeOffset BuildTime { get; init; }
        public required int DomainRules { get; init; }
        public required int IpRules { get; init; }
        public required int Redundant { get; init; }
    }

    public static byte[] Write(Input input)
    {
        // Sorting makes the layout depend only on the set of nodes, not on dictionary order.
        Array.Sort(input.Nodes);
        for (int i = 1; i < input.Nodes.Length; i++)
        {
            if (input.Nodes[i].Fingerprint == input.Nodes[i - 1].Fingerprint)
            {
                throw new BlocklistCompileException("Two names share a 64-bit suffix hash; please report this input.");
            }
        }

        uint bucketCount = input.Nodes.Length == 0
            ? 1
            : (uint)Math.Ceiling(input.Nodes.Length / (ImageLayout.SlotsPerBucket * ImageLayout.LoadFactor));

        var strings = new StringTable();
        var classOffsets = new (uint Offset, uint Length)[input.Classes.Count];
        for (int i = 0; i < input.Classes.Count; i++)
        {
            classOffsets[i] = input.Classes[i].LocalData is { } data ? strings.AddRaw(data) : (ImageLayout.NoLocalData, 0);
        }

        var sourceStrings = new (uint Name, uint Category)[input.Sources.Count];
        for (int i = 0; i < input.Sources.Count; i++)
        {
            sourceStrings[i] = (strings.Add(input.Sources[i].Descriptor.Name), strings.Add(input.Sources[i].Descriptor.Category));
        }

        Span<int> lengths =
        [
            checked((int)bucketCount * ImageLayout.BucketSize),
            input.Ipv4.Count * ImageLayout.Ipv4StartSize,
            input.Ipv4.Count * ImageLayout.RangeMetaSize,
            input.Ipv6.Count * ImageLayout.Ipv6StartSize,
            input.Ipv6.Count * ImageLayout.RangeMetaSize,
            input.Classes.Count * ImageLayout.ClassSize,
            input.Sources.Count * ImageLayout.SourceSize,
            strings.Length,
            checked((int)SuffixHash.FilterBlockCount(input.Nodes.Length) * ImageLayout.FilterBlockSize),
        ];
        Span<int> offsets = stackalloc int[lengths.Length];
        int position = ImageLayout.HeaderSize;
        for (int i = 0; i < lengths.Length; i++)
        {
            offsets[i] = position;
            position = ImageLayout.Align(checked(position + lengths[i]));
        }

        byte[] image = new byte[position];
        Span<byte> span = image;

        WriteBuckets(span.Slice(offsets[(int)ImageSection.Buckets], lengths[(int)ImageSection.Buckets]), input.Nodes, bucketCount);
        Span<byte> filter = span.Slice(offsets[(int)ImageSection.Filter], lengths[(int)ImageSection.Filter]);
        foreach (NodeEntry node in input.Nodes)
        {
            SuffixHash.FilterAdd(filter, node.Fingerprint);
        }

        WriteRanges(span, offsets[(int)ImageSection.Ipv4Starts], offsets[(int)ImageSection.Ipv4Meta], input.Ipv4, ipv6: false);
        WriteRanges(span, offsets[(int)ImageSection.Ipv6Starts], offsets[(int)ImageSection.Ipv6Meta], input.Ipv6, ipv6: true);

        Span<byte> classes = span[offsets[(int)ImageSection.Classes]..];
        for (int i = 0; i < input.Classes.Count; i++)
        {
            RuleClass c = input.Classes[i];
            Span<byte> entry = classes.Slice(i * ImageLayout.ClassSize, ImageLayout.ClassSize);
            BinaryPrimitives.WriteUInt16LittleEndian(entry, c.Source);
            entry[2] = (byte)c.Verdict;
            entry[3] = (byte)c.Action;
            entry[4] = (byte)c.Scope;
            BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], classOffsets[i].Offset);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], classOffsets[i].Length);
        }

        Span<byte> sources = span[offsets[(int)ImageSection.Sources]..];
        for (int i = 0; i < input.Sources.Count; i++)
        {
            SourceSummary s = input.Sources[i];
            Span<byte> entry = sources.Slice(i * ImageLayout.SourceSize, ImageLayout.SourceSize);
            BinaryPrimitives.WriteUInt32LittleEndian(entry, sourceStrings[i].Name);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], sourceStrings[i].Category);
            entry[8] = (byte)s.Format;
            entry[9] = (byte)s.Descriptor.Action;
            entry[10] = (byte)((s.Descriptor.IsAllowlist ? 1 : 0) | (s.IsRejected ? 2 : 0));
            BinaryPrimitives.WriteInt32LittleEndian(entry[12..], s.Accepted);
            BinaryPrimitives.WriteInt32LittleEndian(entry[16..], s.Duplicates);
            BinaryPrimitives.WriteInt32LittleEndian(entry[20..], s.Rejected);
            BinaryPrimitives.WriteInt32LittleEndian(entry[24..], s.Skipped);
            BinaryPrimitives.WriteInt32LittleEndian(entry[28..], s.Redundant);
        }

        strings.CopyTo(span[offsets[(int)ImageSection.Strings]..]);

        Span<byte> header = span[..ImageLayout.HeaderSize];
        ImageLayout.Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ImageLayout.VersionOffset..], ImageLayout.FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ImageLayout.HeaderSizeOffset..], ImageLayout.HeaderSize);
        BinaryPrimitives.WriteUInt64LittleEndian(header[ImageLayout.FileLengthOffset..], (ulong)image.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header[ImageLayout.BuildTimeOffset..], input.BuildTime.ToUnixTimeSeconds());
        BinaryPrimitives.WriteUInt64LittleEndian(header[ImageLayout.HashSeedOffset..], SuffixHash.Seed);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ImageLayout.BucketCountOffset..], bucketCount);
        BinaryPrimitives.WriteInt32LittleEndian(header[ImageLayout.DomainNodeCountOffset..], input.Nodes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header[ImageLayout.Ipv4RangeCountOffset..], input.Ipv4.Count);
        BinaryPrimitives.WriteInt32LittleEndian(header[ImageLayout.Ipv6RangeCountOffset..], input.Ipv6.Count);
        BinaryPrimitives.WriteInt32LittleEndian(header[ImageLayout.ClassCountOffset..], input.Classes.Count);
        BinaryPrimitives.WriteInt32LittleEndian(header[ImageLayout.SourceCountOffset..], input.Sources.Count);
        BinaryPrimitives.WriteInt32LittleEndian(header[ImageLayout.DomainRuleCountOffset..], input.DomainRules);
        BinaryPrimitives.WriteInt32LittleEndian(header[ImageLayout.IpRuleCountOffset..], input.IpRules);
        BinaryPrimitives.WriteInt32LittleEndian(header[ImageLayout.RedundantCountOffset..], input.Redundant);
        for (int i = 0; i < lengths.Length; i++)
        {
            Span<byte> entry = header[(ImageLayout.SectionTableOffset + i * ImageLayout.SectionEntrySize)..];
            BinaryPrimitives.WriteUInt64LittleEndian(entry, (ulong)offsets[i]);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], (ulong)lengths[i]);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(header[ImageLayout.BodyChecksumOffset..], XxHash3.HashToUInt64(span[ImageLayout.HeaderSize..]));
        BinaryPrimitives.WriteUInt64LittleEndian(header[ImageLayout.HeaderChecksumOffset..], XxHash3.HashToUInt64(header[..ImageLayout.HeaderChecksumOffset]));
        return image;
    }

    private static void WriteBuckets(Span<byte> buckets, NodeEntry[] nodes, uint bucketCount)
    {
        foreach (NodeEntry node in nodes)
        {
            uint b = SuffixHash.Bucket(node.Fingerprint, bucketCount);
            while (true)
            {
                Span<byte> bucket = buckets.Slice((int)b * ImageLayout.BucketSize, ImageLayout.BucketSize);
                int used = bucket[0];
                if (used < ImageLayout.SlotsPerBucket)
                {
                    Span<byte> slot = bucket.Slice(ImageLayout.BucketHeadSize + used * ImageLayout.SlotSize, ImageLayout.SlotSize);
                    BinaryPrimitives.WriteUInt64LittleEndian(slot, node.Fingerprint);
                    BinaryPrimitives.WriteUInt16LittleEndian(slot[8..], node.Apex);
                    BinaryPrimitives.WriteUInt16LittleEndian(slot[10..], node.Subtree);
                    bucket[0] = (byte)(used + 1);
                    break;
                }

                // Linear probing by bucket: the flag tells a lookup to keep going.
                bucket[1] |= ImageLayout.BucketOverflowFlag;
                b = b + 1 == bucketCount ? 0 : b + 1;
            }
        }
    }

    private static void WriteRanges(Span<byte> image, int startsOffset, int metaOffset, List<PrefixFlattener.Range> ranges, bool ipv6)
    {
        for (int i = 0; i < ranges.Count; i++)
        {
            PrefixFlattener.Range r = ranges[i];
            if (ipv6)
            {
                BinaryPrimitives.WriteUInt128LittleEndian(image[(startsOffset + i * ImageLayout.Ipv6StartSize)..], r.Start);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(image[(startsOffset + i * ImageLayout.Ipv4StartSize)..], (uint)r.Start);
            }

            Span<byte> meta = image[(metaOffset + i * ImageLayout.RangeMetaSize)..];
            BinaryPrimitives.WriteUInt16LittleEndian(meta, r.Class);
            meta[2] = r.PrefixLength;
        }
    }

    /// <summary>UTF-8 strings: names are stored with a 2-byte length prefix, local data as raw bytes.</summary>
    private sealed class StringTable
    {
        private readonly MemoryStream _bytes = new();

        public int Length => (int)_bytes.Length;

        public uint Add(string text)
        {
            uint offset = (uint)_bytes.Length;
            byte[] utf8 = Encoding.UTF8.GetBytes(text.Length > 1000 ? text[..1000] : text);
            Span<byte> length = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)utf8.Length);
            _bytes.Write(length);
            _bytes.Write(utf8);
            return offset;
        }

        public (uint Offset, uint Length) AddRaw(string text)
        {
            uint offset = (uint)_bytes.Length;
            byte[] utf8 = Encoding.UTF8.GetBytes(text);
            _bytes.Write(utf8);
            return (offset, (uint)utf8.Length);
        }

        public void CopyTo(Span<byte> destination) => _bytes.GetBuffer().AsSpan(0, Length).CopyTo(destination);
    }
}
