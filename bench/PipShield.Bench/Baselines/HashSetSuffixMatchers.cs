using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using PipShield.Blocklist.Names;

namespace PipShield.Bench.Baselines;

/// <summary>
/// The obvious managed blocklist: a <see cref="HashSet{T}"/> of listed names, looked up for the name and
/// then each parent (<c>a.b.example.org</c>, <c>b.example.org</c>, <c>example.org</c>, <c>org</c>).
/// A name is blocked when it or any parent is listed, the same semantics as the image for plain rules.
/// </summary>
internal sealed class HashSetSuffixMatcher
{
    private readonly HashSet<string> _set;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _spans;

    public HashSetSuffixMatcher(IEnumerable<string> listed)
    {
        _set = new HashSet<string>(listed, StringComparer.Ordinal);
        _spans = _set.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _set.Count;

    /// <summary>(b) Walks parents with <see cref="string.Substring(int)"/>: one string per parent probed.</summary>
    public bool IsListedSubstring(string name)
    {
        string current = name;
        while (true)
        {
            if (_set.Contains(current))
            {
                return true;
            }

            int dot = current.IndexOf('.');
            if (dot < 0)
            {
                return false;
            }

            current = current.Substring(dot + 1);
        }
    }

    /// <summary>(c) Walks parents as slices of the name through the span alternate lookup: allocates nothing.</summary>
    public bool IsListed(ReadOnlySpan<char> name)
    {
        while (true)
        {
            if (_spans.Contains(name))
            {
                return true;
            }

            int dot = name.IndexOf('.');
            if (dot < 0)
            {
                return false;
            }

            name = name[(dot + 1)..];
        }
    }

    /// <summary>
    /// (d) Starts from the DNS wire name, as a resolver receives it: decodes it to lower-case characters on the
    /// stack (vectorised <see cref="Ascii.ToLower(ReadOnlySpan{byte}, Span{char}, out int)"/>, then dots at the
    /// label boundaries), then walks as (c).
    /// </summary>
    [SkipLocalsInit]
    public bool IsListedWire(ReadOnlySpan<byte> wire)
    {
        // Find the root label and validate lengths first.
        int position = 0;
        while (true)
        {
            if ((uint)position >= (uint)wire.Length)
            {
                return false;
            }

            int length = wire[position];
            if (length == 0)
            {
                break;
            }

            if (length > DomainName.MaxLabelLength || position + 1 + length >= DomainName.MaxWireLength)
            {
                return false;
            }

            position += 1 + length;
        }

        if (position == 0)
        {
            return false;
        }

        // Bytes 1..position-1 become the presentation name once the inner length bytes are turned into dots.
        Span<char> chars = stackalloc char[DomainName.MaxWireLength];
        int count = position - 1;
        if (Ascii.ToLower(wire.Slice(1, count), chars, out _) != OperationStatus.Done)
        {
            return false;
        }

        for (int p = wire[0]; p < count; p += 1 + wire[p + 1])
        {
            chars[p] = '.';
        }

        return IsListed(chars[..count]);
    }
}

/// <summary>
/// (e) A node-per-label trie over reversed labels (<c>org → example → ads</c>), each node a
/// <see cref="Dictionary{TKey, TValue}"/> looked up with label slices through the span alternate lookup.
/// Walking stops at the first listed node (a listed parent covers everything below it).
/// </summary>
internal sealed class DictionaryTrieMatcher
{
    private readonly Node _root = new();

    public DictionaryTrieMatcher(IEnumerable<string> listed)
    {
        foreach (string name in listed)
        {
            Node node = _root;
            int end = name.Length;
            while (end > 0)
            {
                int dot = name.LastIndexOf('.', end - 1);
                string label = name[(dot + 1)..end];
                node.Children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
                if (!node.Children.TryGetValue(label, out Node? child))
                {
                    child = new Node();
                    node.Children.Add(label, child);
                }

                node = child;
                end = dot < 0 ? 0 : dot;
            }

            node.Listed = true;
        }

        Freeze(_root);
    }

    public bool IsListed(ReadOnlySpan<char> name)
    {
        Node node = _root;
        int end = name.Length;
        while (true)
        {
            if (node.Children is null)
            {
                return false;
            }

            ReadOnlySpan<char> rest = name[..end];
            int dot = rest.LastIndexOf('.');
            if (!node.Lookup.TryGetValue(rest[(dot + 1)..], out Node? child))
            {
                return false;
            }

            if (child.Listed)
            {
                return true;
            }

            if (dot < 0)
            {
                return false;
            }

            node = child;
            end = dot;
        }
    }

    private static void Freeze(Node root)
    {
        var stack = new Stack<Node>();
        stack.Push(root);
        while (stack.TryPop(out Node? node))
        {
            if (node.Children is null)
            {
                continue;
            }

            node.Children.TrimExcess();
            node.Lookup = node.Children.GetAlternateLookup<ReadOnlySpan<char>>();
            foreach (Node child in node.Children.Values)
            {
                stack.Push(child);
            }
        }
    }

    private sealed class Node
    {
        public Dictionary<string, Node>? Children;
        public Dictionary<string, Node>.AlternateLookup<ReadOnlySpan<char>> Lookup;
        public bool Listed;
    }
}
