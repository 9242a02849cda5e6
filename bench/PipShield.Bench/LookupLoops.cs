using PipShield.Bench.Baselines;
using PipShield.Bench.Data;
using PipShield.Blocklist;
using PipShield.Blocklist.Lookup;

namespace PipShield.Bench;

/// <summary>
/// The measured loops, shared by <see cref="LookupBenchmarks"/> and the interleaved <c>compare</c> mode.
/// Each returns how many queries were blocked, so the work cannot be optimised away.
/// </summary>
internal static class LookupLoops
{
    public static int ImageWire(BlocklistImage image, byte[] wire, int[] offsets)
    {
        int blocked = 0;
        for (int i = 0; i < offsets.Length - 1; i++)
        {
            int start = offsets[i];
            if (image.Match(new ReadOnlySpan<byte>(wire, start, offsets[i + 1] - start)).Verdict == Verdict.Blocked)
            {
                blocked++;
            }
        }

        return blocked;
    }

    public static int ImageText(BlocklistImage image, string[] names)
    {
        int blocked = 0;
        for (int i = 0; i < names.Length; i++)
        {
            if (image.Match(names[i].AsSpan()).Verdict == Verdict.Blocked)
            {
                blocked++;
            }
        }

        return blocked;
    }

    public static int HashSetSubstring(HashSetSuffixMatcher set, string[] names)
    {
        int blocked = 0;
        for (int i = 0; i < names.Length; i++)
        {
            if (set.IsListedSubstring(names[i]))
            {
                blocked++;
            }
        }

        return blocked;
    }

    public static int HashSetSpan(HashSetSuffixMatcher set, string[] names)
    {
        int blocked = 0;
        for (int i = 0; i < names.Length; i++)
        {
            if (set.IsListed(names[i].AsSpan()))
            {
                blocked++;
            }
        }

        return blocked;
    }

    public static int HashSetWire(HashSetSuffixMatcher set, byte[] wire, int[] offsets)
    {
        int blocked = 0;
        for (int i = 0; i < offsets.Length - 1; i++)
        {
            int start = offsets[i];
            if (set.IsListedWire(new ReadOnlySpan<byte>(wire, start, offsets[i + 1] - start)))
            {
                blocked++;
            }
        }

        return blocked;
    }

    public static int DictionaryTrie(DictionaryTrieMatcher trie, string[] names)
    {
        int blocked = 0;
        for (int i = 0; i < names.Length; i++)
        {
            if (trie.IsListed(names[i].AsSpan()))
            {
                blocked++;
            }
        }

        return blocked;
    }

    /// <summary>The contenders over one query set, in display order; the baseline is "HashSetSpan".</summary>
    public static (string Name, Func<int> Run)[] Contenders(BenchDataSet data, QuerySet q)
    {
        BlocklistImage image = data.Image;
        HashSetSuffixMatcher set = data.HashSet;
        DictionaryTrieMatcher trie = data.Trie;
        return
        [
            ("PipShieldWire", () => ImageWire(image, q.Wire, q.Offsets)),
            ("PipShieldText", () => ImageText(image, q.Names)),
            ("HashSetSubstring", () => HashSetSubstring(set, q.Names)),
            ("HashSetSpan", () => HashSetSpan(set, q.Names)),
            ("HashSetWire", () => HashSetWire(set, q.Wire, q.Offsets)),
            ("DictionaryTrie", () => DictionaryTrie(trie, q.Names)),
        ];
    }
}
