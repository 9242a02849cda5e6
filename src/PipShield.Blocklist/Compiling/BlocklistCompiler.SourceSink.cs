using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Names;
using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Compiling;

public sealed partial class BlocklistCompiler
{
    /// <summary>
    /// Normalises one source's rules and holds them until the source has been read to its end, so that a
    /// source rejected for too many errors leaves nothing behind.
    /// </summary>
    private sealed class SourceSink(BlocklistCompiler owner, SourceSummary summary, ushort sourceIndex) : IRuleSink
    {
        private readonly List<StagedDomain> _domains = [];
        private readonly List<StagedIp> _ips = [];
        private readonly Dictionary<(ulong Hash, DomainScope Scope), int> _localData = [];
        private readonly char[] _normalized = new char[DomainName.MaxLength];
        private readonly ulong[] _hashes = new ulong[DomainName.MaxLength / 2 + 1];
        private int _nextProgress = owner._options.ProgressInterval;

        private record struct StagedDomain(string Name, ulong Hash, DomainScope Scope, Verdict Verdict, RuleAction Action, string? LocalData);

        private readonly record struct StagedIp(IpPrefix Prefix, Verdict Verdict, RuleAction Action);

        private SourceDescriptor Source => summary.Descriptor;

        public void OnRule(int lineNumber, ListRule rule)
        {
            Seen(lineNumber);
            Verdict verdict = Source.IsAllowlist ? Verdict.Allowed : rule.Verdict;
            RuleAction action = rule.Action == RuleAction.Default ? Source.Action : rule.Action;
            if (verdict == Verdict.Allowed)
            {
                action = RuleAction.Default;
            }

            if (rule.IsIp)
            {
                if (IsOwnHost(rule.Prefix))
                {
                    // Feeds carry 127.0.0.2 and the like; dropping traffic to it would cut the host off from itself.
                    OnSkipped(lineNumber, SkipReason.LocalHostEntry);
                    return;
                }

                _ips.Add(new StagedIp(rule.Prefix, verdict, action));
                return;
            }

            bool allowSingleLabel = rule.Scope == DomainScope.SubdomainsOnly;
            if (!DomainName.TryNormalize(rule.Name, _normalized, out int length, out string? error, allowSingleLabel))
            {
                OnError(lineNumber, error);
                return;
            }

            var name = new string(_normalized, 0, length);
            SuffixHash.SuffixHashes(name, _hashes);
            ulong hash = _hashes[0];
            string? localData = action == RuleAction.LocalData && !rule.LocalData.IsEmpty ? rule.LocalData.ToString() : null;
            if (localData is not null)
            {
                // RPZ gives one record per line: A and AAAA for one owner become one rule with both.
                if (_localData.TryGetValue((hash, rule.Scope), out int index))
                {
                    StagedDomain first = _domains[index];
                    _domains[index] = first with { LocalData = first.LocalData + "\n" + localData };
                    return;
                }

                _localData.Add((hash, rule.Scope), _domains.Count);
            }

            _domains.Add(new StagedDomain(name, hash, rule.Scope, verdict, action, localData));
        }

        public void OnError(int lineNumber, string reason)
        {
            Seen(lineNumber);
            summary.Rejected++;
            if (summary.Errors.Count < owner._options.MaxErrorsKept)
            {
                summary.Errors.Add(new ParseError(Source.Name, lineNumber, reason));
            }
        }

        public void OnSkipped(int lineNumber, SkipReason reason)
        {
            Seen(lineNumber);
            summary.SkippedByReason[(int)reason]++;
        }

        private static bool IsOwnHost(IpPrefix prefix) => prefix.IsIPv6
            ? prefix.Length == 128 && (prefix.Address == UInt128.One || prefix.Address == UInt128.Zero)
            : prefix.Length >= 8 && (prefix.Address >> 24 == 127 || (prefix.Address == 0 && prefix.Length == 32));

        private void Seen(int lineNumber)
        {
            if (lineNumber > summary.Lines)
            {
                summary.Lines = lineNumber;
            }

            if (lineNumber >= _nextProgress && owner._options.Progress is { } progress)
            {
                _nextProgress = lineNumber + owner._options.ProgressInterval;
                progress.Report(new CompileProgress(Source.Name, lineNumber, owner._totalRules + _domains.Count + _ips.Count));
            }
        }

        public void Commit()
        {
            foreach (StagedDomain d in _domains)
            {
                ushort classId = owner.Intern(new RuleClass(sourceIndex, d.Verdict, d.Action, d.Scope, d.LocalData));
                if (owner.AddDomain(d.Name, d.Hash, classId, d.Scope))
                {
                    summary.Accepted++;
                    owner._domainRules++;
                }
                else
                {
                    summary.Duplicates++;
                }
            }

            foreach (StagedIp ip in _ips)
            {
                ushort classId = owner.Intern(new RuleClass(sourceIndex, ip.Verdict, ip.Action, DomainScope.NameAndSubdomains, null));
                if (owner.AddIp(ip.Prefix, classId))
                {
                    summary.Accepted++;
                    owner._ipRules++;
                }
                else
                {
                    summary.Duplicates++;
                }
            }

            owner._totalRules += summary.Accepted;
        }
    }
}
