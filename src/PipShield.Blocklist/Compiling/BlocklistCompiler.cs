using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Names;
using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Compiling;

/// <summary>
/// Compiles list sources into one image (docs/BLOCKLIST-FORMAT.md). Add sources in order of precedence:
/// when two sources block the same name the first one's rule is kept; an allow rule always replaces a
/// block rule at the same name and scope, whichever source came first.
/// </summary>
/// <remarks>Not thread-safe. Bad lines are counted and reported per source, never thrown.</remarks>
public sealed partial class BlocklistCompiler
{
    private readonly CompilerOptions _options;
    private readonly List<SourceSummary> _sources = [];
    private readonly Dictionary<ulong, Node> _nodes = [];
    private readonly List<string> _names = [];
    private readonly Dictionary<RuleClass, ushort> _classIds = [];
    private readonly List<RuleClass> _classes = [default]; // class 0 means "no rule"
    private readonly Dictionary<IpPrefix, ushort> _prefixes = [];
    private int _domainRules;
    private int _ipRules;
    private int _totalRules;
    private DateTimeOffset? _newestInput;
    private bool _readerSources;

    private struct Node
    {
        public int NameId;
        public ushort Apex;     // rule for the name itself
        public ushort Subtree;  // rule for names strictly below it
    }

    /// <summary>Creates a compiler with the given limits, or the defaults.</summary>
    public BlocklistCompiler(CompilerOptions? options = null) => _options = options ?? new CompilerOptions();

    /// <summary>The sources added so far.</summary>
    public IReadOnlyList<SourceSummary> Sources => _sources;

    /// <summary>Reads a list file. The format is detected from its first lines when the descriptor gives none.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="BlocklistCompileException">The format cannot be detected.</exception>
    public SourceSummary AddFile(string path, SourceDescriptor source)
    {
        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        DateTimeOffset written = File.GetLastWriteTimeUtc(path);
        if (_newestInput is null || written > _newestInput)
        {
            _newestInput = written;
        }

        return AddSource(source, reader);
    }

    /// <summary>Reads one list source to its end.</summary>
    /// <exception cref="BlocklistCompileException">The format cannot be detected, or too many sources.</exception>
    public SourceSummary AddSource(SourceDescriptor source, TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(reader);
        if (_sources.Count >= ushort.MaxValue)
        {
            throw new BlocklistCompileException($"An image holds at most {ushort.MaxValue} sources.");
        }

        ListFormat format;
        if (source.Format is { } given)
        {
            format = given;
        }
        else
        {
            var replay = ReplayReader.Sample(reader, out List<string> sample);
            format = ListParser.DetectFormat(sample)
                ?? throw new BlocklistCompileException(
                    $"{source.Name}: cannot tell the list format from its first lines; give it as hosts, domains, adblock, rpz or ip");
            reader = replay;
        }

        _readerSources |= reader is not StreamReader;
        var summary = new SourceSummary(source, format);
        var sink = new SourceSink(this, summary, (ushort)_sources.Count);
        _sources.Add(summary);
        ListParser.Parse(reader, format, sink);
        if (summary.Rejected > _options.MaxErrorsPerSource)
        {
            summary.IsRejected = true;
            return summary;
        }

        sink.Commit();
        return summary;
    }

    private ushort Intern(RuleClass ruleClass)
    {
        if (!_classIds.TryGetValue(ruleClass, out ushort id))
        {
            if (_classes.Count > ushort.MaxValue)
            {
                throw new BlocklistCompileException(
                    $"More than {ushort.MaxValue} distinct rule kinds (source × action × local data); split the lists into several images.");
            }

            id = (ushort)_classes.Count;
            _classes.Add(ruleClass);
            _classIds.Add(ruleClass, id);
        }

        return id;
    }

    /// <summary>Puts <paramref name="classId"/> into a slot: an empty slot takes it, an allow replaces a block.</summary>
    private bool Place(ref ushort slot, ushort classId)
    {
        if (slot == 0)
        {
            slot = classId;
            return true;
        }

        if (_classes[slot].Verdict == Verdict.Blocked && _classes[classId].Verdict == Verdict.Allowed)
        {
            slot = classId;
            return true;
        }

        return false;
    }

    private bool AddDomain(string name, ulong hash, ushort classId, DomainScope scope)
    {
        ref Node node = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_nodes, hash, out bool exists);
        if (!exists)
        {
            node.NameId = _names.Count;
            _names.Add(name);
        }
        else if (!string.Equals(_names[node.NameId], name, StringComparison.Ordinal))
        {
            throw new BlocklistCompileException(
                $"'{name}' and '{_names[node.NameId]}' share a 64-bit suffix hash; please report this with both names.");
        }

        bool changed = false;
        if (scope != DomainScope.SubdomainsOnly)
        {
            changed |= Place(ref node.Apex, classId);
        }

        if (scope != DomainScope.NameOnly)
        {
            changed |= Place(ref node.Subtree, classId);
        }

        return changed;
    }

    private bool AddIp(IpPrefix prefix, ushort classId)
    {
        ref ushort slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_prefixes, prefix, out _);
        return Place(ref slot, classId);
    }
}
