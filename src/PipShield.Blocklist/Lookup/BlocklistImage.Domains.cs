using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;
using PipShield.Blocklist.Names;

namespace PipShield.Blocklist.Lookup;

public sealed unsafe partial class BlocklistImage
{
    /// <summary>
    /// Looks up a name in DNS wire format (length-prefixed labels ending in the root label, no compression
    /// pointers), in any letter case. The most specific rule wins; see docs/BLOCKLIST-FORMAT.md.
    /// </summary>
    /// <param name="wireName">The name; bytes after its root label are ignored.</param>
    /// <returns>The match, or <see cref="RuleMatch.None"/> when nothing matches or the name is malformed.</returns>
    [SkipLocalsInit]
    public RuleMatch Match(ReadOnlySpan<byte> wireName)
    {
        // Walk the length bytes once: validate, note where each label starts.
        Span<byte> labelStarts = stackalloc byte[128]; // a 255-octet name has at most 127 labels
        int labels = 0;
        int position = 0;
        while (true)
        {
            if ((uint)position >= (uint)wireName.Length)
            {
                return RuleMatch.None; // no root label
            }

            int labelLength = wireName[position];
            if (labelLength == 0)
            {
                break;
            }

            // RFC 1035 §4.1.4: 0x40 and 0xC0 prefixes are reserved types and pointers; a name here is uncompressed.
            if (labelLength > DomainName.MaxLabelLength || position + 1 + labelLength >= DomainName.MaxWireLength)
            {
                return RuleMatch.None;
            }

            labelStarts[labels++] = (byte)position;
            position += 1 + labelLength;
        }

        if (labels == 0)
        {
            return RuleMatch.None;
        }

        // Fold case once; every probe hashes slices of this copy. Length bytes (< 64) never change.
        Span<byte> folded = stackalloc byte[DomainName.MaxWireLength + 1];
        FoldCase(wireName[..position], folded);

        // Hash every suffix from the top-level domain down. The filter (small, so it stays in cache) rules
        // out most suffixes that are not stored; for the others, prefetch the bucket: the probes do not
        // depend on each other, so their cache misses overlap. A ruled-out suffix keeps fingerprint 0.
        Span<ulong> fingerprints = stackalloc ulong[128];
        ulong hash = SuffixHash.Seed;
        bool any = false;
        for (int i = labels - 1; i >= 0; i--)
        {
            int start = labelStarts[i];
            hash = SuffixHash.Next(hash, folded.Slice(start + 1, folded[start]));
            ulong fingerprint = SuffixHash.Fingerprint(hash);
            if (MayContain(fingerprint))
            {
                fingerprints[i] = fingerprint;
                Prefetch(fingerprint);
                any = true;
            }
            else
            {
                fingerprints[i] = 0;
            }
        }

        if (!any)
        {
            return RuleMatch.None;
        }

        // Most specific first: the name's own rule, then each ancestor's rule for names below it.
        if (fingerprints[0] != 0 && TryFind(fingerprints[0], out ushort apex, out _) && apex != 0)
        {
            return MakeMatch(apex, 0);
        }

        for (int i = 1; i < labels; i++)
        {
            if (fingerprints[i] != 0 && TryFind(fingerprints[i], out _, out ushort subtree) && subtree != 0)
            {
                return MakeMatch(subtree, labelStarts[i]);
            }
        }

        return RuleMatch.None;
    }

    /// <summary>Looks up a name in presentation form (<c>www.example.org</c>, any case, IDN allowed).</summary>
    /// <returns><see cref="RuleMatch.None"/> also for text that is not a valid name.</returns>
    public RuleMatch Match(ReadOnlySpan<char> presentationName)
    {
        Span<byte> wire = stackalloc byte[DomainName.MaxWireLength + 1];
        return TryWriteWire(presentationName, wire, out int length) ? Match(wire[..length]) : RuleMatch.None;
    }

    /// <summary>
    /// The rule that matched, as a list would write it: <c>example.org</c> (the name, or the name and its
    /// subdomains) or <c>*.example.org</c> (subdomains only); an IP rule as its prefix.
    /// </summary>
    /// <param name="match">A match returned for <paramref name="wireName"/>.</param>
    /// <param name="wireName">The name that was looked up.</param>
    public string FormatRule(in RuleMatch match, ReadOnlySpan<byte> wireName)
    {
        if (match.Verdict == Verdict.None || match.IsIp || match.NameOffset >= wireName.Length)
        {
            return string.Empty;
        }

        var text = new StringBuilder(match.Scope == DomainScope.SubdomainsOnly ? "*." : string.Empty);
        int position = match.NameOffset;
        while (position < wireName.Length && wireName[position] is > 0 and <= DomainName.MaxLabelLength)
        {
            int length = Math.Min(wireName[position], wireName.Length - position - 1);
            if (text.Length > 2 || (text.Length > 0 && text[0] != '*'))
            {
                text.Append('.');
            }

            foreach (byte c in wireName.Slice(position + 1, length))
            {
                text.Append(c is >= (byte)'A' and <= (byte)'Z' ? (char)(c | 0x20) : (char)c);
            }

            position += 1 + length;
        }

        return text.ToString();
    }

    /// <summary>The rule that matched a presentation-form name; see <see cref="FormatRule(in RuleMatch, ReadOnlySpan{byte})"/>.</summary>
    public string FormatRule(in RuleMatch match, ReadOnlySpan<char> presentationName)
    {
        Span<byte> wire = stackalloc byte[DomainName.MaxWireLength + 1];
        return TryWriteWire(presentationName, wire, out int length) ? FormatRule(match, wire[..length]) : string.Empty;
    }

    private static bool TryWriteWire(ReadOnlySpan<char> presentationName, Span<byte> wire, out int length)
    {
        length = 0;
        if (Ascii.IsValid(presentationName))
        {
            length = DomainName.WriteWire(presentationName, wire);
            return length > 0;
        }

        // Unicode input: convert to A-labels first (allocates; only the CLI and tests pass Unicode here).
        Span<char> normalized = stackalloc char[DomainName.MaxLength];
        if (!DomainName.TryNormalize(presentationName, normalized, out int chars, out _, allowSingleLabel: true))
        {
            return false;
        }

        length = DomainName.WriteWire(normalized[..chars], wire);
        return length > 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FoldCase(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<byte> a = Vector128.Create((byte)'A');
            Vector128<byte> range = Vector128.Create((byte)('Z' - 'A' + 1));
            Vector128<byte> bit = Vector128.Create((byte)0x20);
            for (; i + Vector128<byte>.Count <= source.Length; i += Vector128<byte>.Count)
            {
                Vector128<byte> v = Vector128.Create(source.Slice(i, Vector128<byte>.Count));
                Vector128<byte> upper = Vector128.LessThan(v - a, range);
                (v | (upper & bit)).CopyTo(destination[i..]);
            }
        }

        for (; i < source.Length; i++)
        {
            byte c = source[i];
            destination[i] = (uint)(c - 'A') <= 'Z' - 'A' ? (byte)(c | 0x20) : c;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Prefetch(ulong hash)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(_buckets + (nuint)SuffixHash.Bucket(hash, _bucketCount) * ImageLayout.BucketSize);
        }
    }

    /// <summary>False when the suffix filter proves a fingerprint is not stored; true when it may be.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool MayContain(ulong fingerprint)
    {
        uint* block = (uint*)(_filter + (nuint)SuffixHash.FilterBlock(fingerprint, _filterBlocks) * ImageLayout.FilterBlockSize);
        uint key = SuffixHash.FilterKey(fingerprint);
        if (Avx2.IsSupported && BitConverter.IsLittleEndian)
        {
            Vector256<uint> salts = Vector256.Create(0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU, 0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U);
            Vector256<uint> bits = Avx2.ShiftLeftLogicalVariable(Vector256<uint>.One, Vector256.ShiftRightLogical(Vector256.Create(key) * salts, 27));
            return (Vector256.Load(block) & bits) == bits;
        }

        ReadOnlySpan<uint> saltList = SuffixHash.FilterSalts;
        for (int i = 0; i < 8; i++)
        {
            uint bit = 1u << (int)((key * saltList[i]) >> 27);
            if ((BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(block + i, 4)) & bit) == 0)
            {
                return false;
            }
        }

        return true;
    }

    private bool TryFind(ulong fingerprint, out ushort apex, out ushort subtree)
    {
        uint bucketIndex = SuffixHash.Bucket(fingerprint, _bucketCount);
        for (uint probes = 0; probes < _bucketCount; probes++)
        {
            byte* bucket = _buckets + (nuint)bucketIndex * ImageLayout.BucketSize;
            int used = Math.Min((int)bucket[0], ImageLayout.SlotsPerBucket); // a corrupt count cannot leave the bucket
            byte* slot = bucket + ImageLayout.BucketHeadSize;
            for (int s = 0; s < used; s++, slot += ImageLayout.SlotSize)
            {
                if (ReadUInt64(slot) == fingerprint)
                {
                    apex = ReadUInt16(slot + 8);
                    subtree = ReadUInt16(slot + 10);
                    return true;
                }
            }

            if ((bucket[1] & ImageLayout.BucketOverflowFlag) == 0)
            {
                break;
            }

            bucketIndex = bucketIndex + 1 == _bucketCount ? 0 : bucketIndex + 1;
        }

        apex = 0;
        subtree = 0;
        return false;
    }

    private RuleMatch MakeMatch(ushort ruleClass, int position, bool isIp = false)
    {
        if (ruleClass >= _classCount)
        {
            return RuleMatch.None; // only a corrupt body opened without checksum gets here
        }

        byte* c = _classes + ruleClass * ImageLayout.ClassSize;
        return new RuleMatch((Verdict)c[2], (RuleAction)c[3], (DomainScope)c[4], ruleClass, ReadUInt16(c), (byte)position, isIp);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadUInt64(byte* p) => BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(p, 8));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort ReadUInt16(byte* p) => BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(p, 2));
}
