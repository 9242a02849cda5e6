using PipShield.Blocklist.Names;

namespace PipShield.Bench.Data;

/// <summary>
/// Query names in both forms a benchmark needs: presentation strings, and DNS wire format packed one after
/// another into a single buffer (as names sit in received packets), with start offsets.
/// </summary>
internal sealed class QuerySet
{
    public QuerySet(string[] names)
    {
        Names = names;
        Offsets = new int[names.Length + 1];
        var buffer = new byte[names.Length * (DomainName.MaxWireLength + 1)];
        int position = 0;
        for (int i = 0; i < names.Length; i++)
        {
            Offsets[i] = position;
            int length = DomainName.WriteWire(names[i], buffer.AsSpan(position));
            if (length == 0)
            {
                throw new InvalidOperationException($"'{names[i]}' cannot be written in wire format");
            }

            position += length;
        }

        Offsets[names.Length] = position;
        Wire = buffer.AsSpan(0, position).ToArray();
    }

    public string[] Names { get; }

    /// <summary>All wire names back to back; name i is <c>Wire[Offsets[i]..Offsets[i + 1]]</c>.</summary>
    public byte[] Wire { get; }

    public int[] Offsets { get; }

    public int Count => Names.Length;

    public ReadOnlySpan<byte> WireAt(int i) => Wire.AsSpan(Offsets[i], Offsets[i + 1] - Offsets[i]);
}
