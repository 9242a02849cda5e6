using System.Globalization;
using PipShield.Blocklist.Lookup;

namespace PipShield.Blocklist.Compiling;

public sealed partial class BlocklistCompiler
{
    /// <summary>Writes the image of everything added so far.</summary>
    public CompileResult WriteTo(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        byte[] image = ToArray(out CompileResult result);
        output.Write(image);
        return result;
    }

    /// <summary>The image of everything added so far, as bytes.</summary>
    public byte[] ToArray() => ToArray(out _);

    private byte[] ToArray(out CompileResult result)
    {
        int redundant = DropRedundant();

        var nodes = new ImageWriter.NodeEntry[_nodes.Count];
        int i = 0;
        foreach (KeyValuePair<ulong, Node> pair in _nodes)
        {
            nodes[i++] = new ImageWriter.NodeEntry(SuffixHash.Fingerprint(pair.Key), pair.Value.Apex, pair.Value.Subtree);
        }

        var v4 = new List<(IpPrefix, ushort)>();
        var v6 = new List<(IpPrefix, ushort)>();
        foreach (KeyValuePair<IpPrefix, ushort> pair in _prefixes)
        {
            (pair.Key.IsIPv6 ? v6 : v4).Add((pair.Key, pair.Value));
        }

        var input = new ImageWriter.Input
        {
            Nodes = nodes,
            Ipv4 = PrefixFlattener.Flatten(v4, 32),
            Ipv6 = PrefixFlattener.Flatten(v6, 128),
            Classes = _classes,
            Sources = _sources,
            BuildTime = ResolveBuildTime(),
            DomainRules = _domainRules,
            IpRules = _ipRules,
            Redundant = redundant,
        };

        byte[] image = ImageWriter.Write(input);
        result = new CompileResult
        {
            Sources = _sources,
            DomainNodes = nodes.Length,
            DomainRules = _domainRules,
            IpRules = _ipRules,
            Redundant = redundant,
            ImageBytes = image.Length,
        };
        return image;
    }

    /// <summary>
    /// Removes names whose nearest listed ancestor already answers the same way for the name and everything
    /// below it: same source, verdict, action and scope. A child that allows, or answers differently, stays.
    /// </summary>
    private int DropRedundant()
    {
        var hashes = new ulong[Names.DomainName.MaxLength / 2 + 1];
        var redundant = new List<ulong>();
        foreach (KeyValuePair<ulong, Node> pair in _nodes)
        {
            Node node = pair.Value;
            int count = SuffixHash.SuffixHashes(_names[node.NameId], hashes);
            for (int level = 1; level < count; level++)
            {
                if (_nodes.TryGetValue(hashes[level], out Node ancestor) && ancestor.Subtree != 0)
                {
                    ushort covering = ancestor.Subtree;
                    if ((node.Apex == 0 || node.Apex == covering) && (node.Subtree == 0 || node.Subtree == covering))
                    {
                        redundant.Add(pair.Key);
                        _sources[_classes[covering].Source].Redundant++;
                    }

                    break;
                }
            }
        }

        foreach (ulong key in redundant)
        {
            _nodes.Remove(key);
        }

        return redundant.Count;
    }

    private DateTimeOffset ResolveBuildTime()
    {
        if (_options.BuildTime is { } given)
        {
            return given;
        }

        // Reproducible builds: https://reproducible-builds.org/specs/source-date-epoch/
        if (long.TryParse(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"), NumberStyles.None, CultureInfo.InvariantCulture, out long epoch))
        {
            return DateTimeOffset.FromUnixTimeSeconds(epoch);
        }

        // Files only: the newest input's time, so the same files give the same bytes.
        return !_readerSources && _newestInput is { } newest ? newest : DateTimeOffset.UtcNow;
    }
}
