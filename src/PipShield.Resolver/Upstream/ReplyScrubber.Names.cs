using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Upstream;

internal static partial class ReplyScrubber
{
    /// <summary>True when <paramref name="name"/> is <paramref name="ancestor"/> or below it; uncompressed wire names, any case.</summary>
    internal static bool IsAtOrBelow(ReadOnlySpan<byte> name, ReadOnlySpan<byte> ancestor)
    {
        int start = name.Length - ancestor.Length;
        return start >= 0 && IsLabelStart(name, start) && DnsName.EqualsIgnoreCase(name[start..], ancestor);
    }

    /// <summary>True when a label of the uncompressed <paramref name="name"/> starts at <paramref name="offset"/>.</summary>
    private static bool IsLabelStart(ReadOnlySpan<byte> name, int offset)
    {
        int position = 0;
        while (position < offset && position < name.Length)
        {
            position += 1 + name[position];
        }

        return position == offset;
    }

    /// <summary>
    /// A fixed number of uncompressed wire names in caller-owned slots of <see cref="SlotSize"/> bytes (a length
    /// byte, then the name), compared ignoring case. Duplicates are stored once.
    /// </summary>
    private ref struct NameList
    {
        public const int SlotSize = 256;

        private readonly Span<byte> _slots;
        private int _count;

        public NameList(Span<byte> slots) => _slots = slots;

        public readonly int Count => _count;

        public readonly ReadOnlySpan<byte> Last => this[_count - 1];

        public readonly ReadOnlySpan<byte> this[int index] => _slots.Slice(index * SlotSize + 1, _slots[index * SlotSize]);

        /// <returns>True when the name is on the list now; false when the list is full.</returns>
        public bool TryAdd(scoped ReadOnlySpan<byte> name)
        {
            if (Contains(name))
            {
                return true;
            }

            if ((_count + 1) * SlotSize > _slots.Length || name.Length >= SlotSize)
            {
                return false;
            }

            Span<byte> slot = _slots.Slice(_count * SlotSize, SlotSize);
            slot[0] = (byte)name.Length;
            name.CopyTo(slot[1..]);
            _count++;
            return true;
        }

        public readonly int IndexOf(scoped ReadOnlySpan<byte> name)
        {
            for (int i = 0; i < _count; i++)
            {
                if (DnsName.EqualsIgnoreCase(this[i], name))
                {
                    return i;
                }
            }

            return -1;
        }

        public readonly bool Contains(scoped ReadOnlySpan<byte> name) => IndexOf(name) >= 0;

        /// <summary>Some name on the list is <paramref name="ancestor"/> or below it.</summary>
        public readonly bool ContainsAtOrBelow(scoped ReadOnlySpan<byte> ancestor)
        {
            for (int i = 0; i < _count; i++)
            {
                if (IsAtOrBelow(this[i], ancestor))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Some name on the list is <paramref name="name"/> or one of its ancestors.</summary>
        public readonly bool ContainsAtOrAbove(scoped ReadOnlySpan<byte> name)
        {
            for (int i = 0; i < _count; i++)
            {
                if (IsAtOrBelow(name, this[i]))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
