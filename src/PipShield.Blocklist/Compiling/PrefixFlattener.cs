namespace PipShield.Blocklist.Compiling;

/// <summary>
/// Turns nested prefixes into sorted, disjoint ranges so that a lookup is one binary search: each range
/// starts where the most specific covering prefix changes and carries that prefix's class and length.
/// </summary>
internal static class PrefixFlattener
{
    internal readonly record struct Range(UInt128 Start, ushort Class, byte PrefixLength);

    /// <param name="prefixes">Distinct prefixes of one family with their class (non-zero).</param>
    /// <param name="width">32 or 128.</param>
    /// <returns>Ranges in ascending order, the first starting at 0; class 0 marks addresses no prefix covers.</returns>
    public static List<Range> Flatten(List<(IpPrefix Prefix, ushort Class)> prefixes, int width)
    {
        // Parents sort before their children: same start, shorter prefix first.
        prefixes.Sort(static (a, b) =>
        {
            int c = a.Prefix.Address.CompareTo(b.Prefix.Address);
            return c != 0 ? c : a.Prefix.Length.CompareTo(b.Prefix.Length);
        });

        var ranges = new List<Range>(prefixes.Count * 2 + 1);
        var open = new Stack<(IpPrefix Prefix, ushort Class, UInt128 End)>();
        UInt128 cursor = UInt128.Zero;
        bool exhausted = false; // the cursor passed the last address of the family

        void Emit(UInt128 start, ushort cls, byte length)
        {
            // Adjacent ranges with the same class and length merge: a lookup rebuilds the matched prefix
            // from the address and the length, so nothing is lost.
            if (ranges.Count > 0 && ranges[^1].Class == cls && ranges[^1].PrefixLength == length)
            {
                return;
            }

            if (ranges.Count > 0 && ranges[^1].Start == start)
            {
                ranges[^1] = new Range(start, cls, length);
                return;
            }

            ranges.Add(new Range(start, cls, length));
        }

        void CloseUntil(UInt128 nextStart, bool all)
        {
            while (open.Count > 0 && (all || open.Peek().End < nextStart))
            {
                var top = open.Pop();
                if (!exhausted && cursor <= top.End)
                {
                    Emit(cursor, top.Class, top.Prefix.Length);
                    if (top.End == UInt128.MaxValue >> (128 - width))
                    {
                        exhausted = true;
                    }
                    else
                    {
                        cursor = top.End + 1;
                    }
                }
            }
        }

        foreach (var (prefix, cls) in prefixes)
        {
            CloseUntil(prefix.Address, all: false);
            if (!exhausted && cursor < prefix.Address)
            {
                if (open.Count > 0)
                {
                    var parent = open.Peek();
                    Emit(cursor, parent.Class, parent.Prefix.Length);
                }
                else
                {
                    Emit(cursor, 0, 0);
                }
            }

            cursor = prefix.Address;
            UInt128 end = prefix.Address | ~IpPrefix.Mask(prefix.Length, width) & (UInt128.MaxValue >> (128 - width));
            open.Push((prefix, cls, end));
        }

        CloseUntil(UInt128.Zero, all: true);
        if (!exhausted)
        {
            Emit(cursor, 0, 0);
        }

        return ranges;
    }
}
