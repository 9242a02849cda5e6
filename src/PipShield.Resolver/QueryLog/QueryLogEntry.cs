using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using PipShield.Blocklist;
using PipShield.Blocklist.Lookup;
using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.QueryLog;

/// <summary>
/// One finished query, copied out of its <see cref="QueryContext"/> so the context can take the next query.
/// A plain value with the names inline: capturing one allocates nothing.
/// </summary>
public struct QueryLogEntry
{
    private NameBytes _names;

    /// <summary>When the query was finished, as UTC <see cref="DateTime.Ticks"/>.</summary>
    public long TimeTicks;

    /// <summary>From receipt to reply, in <see cref="TimeSpan"/> ticks; 0 when the listener set no receive time.</summary>
    public long ElapsedTicks;

    /// <summary>The client, already masked when the log anonymises clients.</summary>
    public ClientAddress Client;

    public Transport Transport;

    /// <summary>The enrolled device that asked, or null; a reference to the directory's shared instance.</summary>
    public DeviceIdentity? Device;

    public ushort QType;

    /// <summary>The reply's RCODE, or -1 when nothing was sent (a dropped query).</summary>
    public short Rcode;

    public ResponseOrigin Origin;

    /// <summary><see cref="Verdict.Blocked"/> for a block; the source and rule fields are set only then.</summary>
    public Verdict Verdict;

    /// <summary>How the block was answered.</summary>
    public RuleAction Action;

    /// <summary>The list that blocked the query (a reference into the image's source table).</summary>
    public ImageSource? Source;

    /// <summary>True when the rule is an IP prefix (<see cref="Rule"/> holds the address bytes).</summary>
    public bool RuleIsIp;

    /// <summary>For an IP rule: the prefix length.</summary>
    public byte RulePrefixLength;

    private byte _qnameLength;
    private short _ruleStart;
    private short _ruleLength;

    /// <summary>The question name in wire format, as the client sent it.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> QName => ((ReadOnlySpan<byte>)_names)[.._qnameLength];

    /// <summary>What matched: the listed name (wire format, a suffix of the query name or a CNAME target), or
    /// the address an IP rule covered. Empty unless blocked.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> Rule => ((ReadOnlySpan<byte>)_names).Slice(_ruleStart, _ruleLength);

    /// <summary>Copies the fields of a finished query. <paramref name="anonymize"/> masks the client (<see cref="ClientMask"/>).</summary>
    public void Capture(QueryContext query, bool anonymize)
    {
        TimeTicks = DateTime.UtcNow.Ticks;
        ElapsedTicks = query.ReceivedTimestamp == 0 ? 0 : Stopwatch.GetElapsedTime(query.ReceivedTimestamp).Ticks;
        Client = anonymize ? ClientMask.Anonymize(query.Client) : query.Client;
        Transport = query.Transport;
        Device = query.Device;
        QType = query.Query.QType;
        Rcode = query.ResponseLength >= 4 ? (short)(query.Response[3] & 0x0F) : (short)-1;
        Origin = query.Origin;

        Span<byte> names = _names;
        ReadOnlySpan<byte> qname = query.Query.QName(query.RequestSpan);
        qname = qname[..Math.Min(qname.Length, byte.MaxValue)];
        qname.CopyTo(names);
        _qnameLength = (byte)qname.Length;

        RuleMatch decision = query.Decision;
        Verdict = decision.Verdict;
        if (decision.Verdict != Verdict.Blocked || query.DecisionImage is not { } image)
        {
            Action = RuleAction.Default;
            Source = null;
            RuleIsIp = false;
            RulePrefixLength = 0;
            _ruleStart = 0;
            _ruleLength = 0;
            return;
        }

        Action = query.DecisionAction;
        Source = (uint)decision.SourceIndex < (uint)image.Sources.Count ? image.Sources[decision.SourceIndex] : null;
        RuleIsIp = decision.IsIp;
        RulePrefixLength = (byte)decision.PrefixLength;

        // A query-name block names a suffix of the query name; a response-policy block names what it matched.
        ReadOnlySpan<byte> subject = query.DecisionSubject;
        if (subject.IsEmpty)
        {
            _ruleStart = (short)Math.Min(decision.NameOffset, qname.Length);
            _ruleLength = (short)(qname.Length - _ruleStart);
            return;
        }

        int start = qname.Length;
        int offset = decision.IsIp ? 0 : Math.Min(decision.NameOffset, subject.Length);
        subject = subject[offset..];
        subject = subject[..Math.Min(subject.Length, names.Length - start)];
        subject.CopyTo(names[start..]);
        _ruleStart = (short)start;
        _ruleLength = (short)subject.Length;
    }

    /// <summary>Room for a query name and a CNAME target, each up to 255 bytes.</summary>
    [InlineArray(512)]
    private struct NameBytes
    {
        private byte _first;
    }
}
