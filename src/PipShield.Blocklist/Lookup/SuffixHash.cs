using System.IO.Hashing;
using System.Runtime.CompilerServices;

namespace PipShield.Blocklist.Lookup;

/// <summary>
/// The key of a node in the hashed suffix trie: a 64-bit hash chained over the case-folded labels of a
/// name from the top-level domain down, so <c>example.org</c> hashes as Next(Next(seed, "org"), "example").
/// A lookup therefore gets the keys of every suffix of a query name in one right-to-left pass.
/// </summary>
internal static class SuffixHash
{
    /// <summary>The seed of format version 1. Fixed so that the same input compiles to the same bytes.</summary>
    public const ulong Seed = 0x5049_5053_4849_454C;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Next(ulong parent, ReadOnlySpan<byte> foldedLabel) =>
        XxHash3.HashToUInt64(foldedLabel, unchecked((long)parent));

    /// <summary>The value stored in a slot; 0 marks an empty slot, so a hash of 0 is stored as 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Fingerprint(ulong hash) => hash == 0 ? 1 : hash;

    /// <summary>Home bucket: the high 32 bits scaled onto the bucket count (Lemire's fast range).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Bucket(ulong hash, uint bucketCount) => (uint)(((hash >> 32) * bucketCount) >> 32);

    /// <summary>Block of the suffix filter for a fingerprint: the low 32 bits scaled onto the block count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint FilterBlock(ulong fingerprint, uint blockCount) => (uint)(((ulong)(uint)fingerprint * blockCount) >> 32);

    /// <summary>The key whose eight bits (one per word of the block) mark a fingerprint in the filter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint FilterKey(ulong fingerprint) => (uint)(fingerprint >> 32);

    /// <summary>
    /// Odd multipliers that pick the bit in each of a block's eight words (<c>(key × salt) >> 27</c>); the
    /// split-block Bloom filter of the Apache Parquet format uses the same scheme.
    /// </summary>
    public static ReadOnlySpan<uint> FilterSalts =>
        [0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU, 0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U];

    /// <summary>Number of filter blocks for <paramref name="nodes"/> stored names.</summary>
    public static uint FilterBlockCount(int nodes) =>
        (uint)Math.Max(1, ((long)nodes * ImageLayout.FilterBitsPerNode + ImageLayout.FilterBlockSize * 8 - 1) / (ImageLayout.FilterBlockSize * 8));

    /// <summary>Sets a fingerprint's bits in a filter (compile time).</summary>
    public static void FilterAdd(Span<byte> filter, ulong fingerprint)
    {
        uint blocks = (uint)(filter.Length / ImageLayout.FilterBlockSize);
        Span<byte> block = filter.Slice((int)FilterBlock(fingerprint, blocks) * ImageLayout.FilterBlockSize, ImageLayout.FilterBlockSize);
        uint key = FilterKey(fingerprint);
        ReadOnlySpan<uint> salts = FilterSalts;
        for (int i = 0; i < 8; i++)
        {
            Span<byte> word = block.Slice(i * 4, 4);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(word,
                System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(word) | (1u << (int)((key * salts[i]) >> 27)));
        }
    }

    /// <summary>
    /// Hashes of every suffix of a normalised presentation name, most specific first:
    /// <c>a.example.org</c> gives [h(a.example.org), h(example.org), h(org)].
    /// </summary>
    public static int SuffixHashes(ReadOnlySpan<char> name, Span<ulong> hashes)
    {
        Span<byte> label = stackalloc byte[Names.DomainName.MaxLabelLength];
        int count = name.Count('.') + 1;
        ulong h = Seed;
        int end = name.Length;
        for (int i = count - 1; i >= 0; i--)
        {
            int start = name[..end].LastIndexOf('.') + 1;
            ReadOnlySpan<char> text = name[start..end];
            for (int j = 0; j < text.Length; j++)
            {
                label[j] = (byte)text[j];
            }

            h = Next(h, label[..text.Length]);
            hashes[i] = h;
            end = start - 1;
        }

        return count;
    }
}
