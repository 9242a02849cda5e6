using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace PipShield.Blocklist.Parsing;

/// <summary>RPZ records to rules: the trigger comes from the owner name, the policy action from the record.</summary>
internal sealed partial class RpzParser
{
    /// <summary>Record types that are valid in a zone but carry no policy PipShield can apply (local data
    /// other than A, AAAA, CNAME and TXT, DNSSEC records of a transferred zone).</summary>
    private static readonly string[] NonPolicyTypes =
    [
        "MX", "SRV", "PTR", "NAPTR", "HTTPS", "SVCB", "CAA", "DNAME", "HINFO", "SSHFP", "TLSA", "LOC", "SPF", "URI",
        "DS", "DNSKEY", "RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "CDS", "CDNSKEY", "ZONEMD", "OPENPGPKEY", "SMIMEA",
    ];

    private enum Trigger : byte
    {
        QName,
        Ip,
        Unsupported,
    }

    private enum Outcome : byte
    {
        Rule,
        Skip,
        Error,
    }

    private void ParseTypeAndData(ref RpzTokenizer fields, int lineNumber, IRuleSink sink)
    {
        // RFC 1035 §5.1: TTL and class are optional and may come in either order before the type.
        ReadOnlySpan<char> type = default;
        for (int i = 0; i < 3 && fields.TryNext(out ReadOnlySpan<char> field); i++)
        {
            if (IsTtl(field))
            {
                continue;
            }

            if (IsClass(field))
            {
                if (!field.Equals("IN", StringComparison.OrdinalIgnoreCase))
                {
                    sink.OnSkipped(lineNumber, SkipReason.NonPolicyRecord);
                    return;
                }

                continue;
            }

            type = field;
            break;
        }

        if (type.IsEmpty)
        {
            sink.OnError(lineNumber, "record has no type");
            return;
        }

        if (type.Equals("SOA", StringComparison.OrdinalIgnoreCase))
        {
            if (_apex is null && _ownerOutsideKnownZone)
            {
                // An absolute SOA owner with no $ORIGIN names the zone: later absolute owners are relative to it.
                _origin = _apex = $"{_owner.Span}.";
                SetOwner([]);
            }

            sink.OnSkipped(lineNumber, SkipReason.NonPolicyRecord);
            return;
        }

        ReadOnlySpan<char> owner = _owner.Span;
        if (owner.IsEmpty || type.Equals("NS", StringComparison.OrdinalIgnoreCase))
        {
            // Apex records (SOA, NS, a version TXT) and delegations are zone plumbing, not policy.
            sink.OnSkipped(lineNumber, SkipReason.NonPolicyRecord);
            return;
        }

        Trigger trigger = ClassifyTrigger(owner);
        if (trigger == Trigger.Unsupported)
        {
            sink.OnSkipped(lineNumber, SkipReason.UnsupportedTrigger);
            return;
        }

        IpPrefix prefix = default;
        string? error;
        if (trigger == Trigger.Ip)
        {
            ReadOnlySpan<char> labels = owner.Length > RpzIpTrigger.Suffix.Length
                ? owner[..^RpzIpTrigger.Suffix.Length]
                : [];
            if (!RpzIpTrigger.TryParse(labels, out prefix, out error))
            {
                sink.OnError(lineNumber, $"owner {ListSyntax.Quote(owner)}: {error}");
                return;
            }
        }
        else if (!TryGetQNameTrigger(owner, out _, out _, out error))
        {
            sink.OnError(lineNumber, error);
            return;
        }

        Outcome outcome = ReadAction(type, ref fields, owner, out Verdict verdict, out RuleAction action, out error);
        if (outcome == Outcome.Error)
        {
            sink.OnError(lineNumber, error!);
            return;
        }

        // An IP rule has no room for local data.
        if (outcome == Outcome.Skip || (trigger == Trigger.Ip && action == RuleAction.LocalData))
        {
            sink.OnSkipped(lineNumber, SkipReason.NonPolicyRecord);
            return;
        }

        if (trigger == Trigger.Ip)
        {
            sink.OnRule(lineNumber, new ListRule(prefix, verdict, action));
            return;
        }

        TryGetQNameTrigger(_owner.Span, out ReadOnlySpan<char> name, out DomainScope scope, out _);
        ReadOnlySpan<char> localData = action == RuleAction.LocalData ? _scratch.Span : [];
        sink.OnRule(lineNumber, new ListRule(name, scope, verdict, action, localData));
    }

    /// <summary>Reads the record's type and data as a policy action (draft-vixie-dnsop-dns-rpz §3).
    /// Local data is left in <see cref="_scratch"/>.</summary>
    private Outcome ReadAction(ReadOnlySpan<char> type, ref RpzTokenizer fields, ReadOnlySpan<char> owner,
        out Verdict verdict, out RuleAction action, out string? error)
    {
        verdict = Verdict.Blocked;
        action = RuleAction.LocalData;
        error = null;
        if (type.Equals("CNAME", StringComparison.OrdinalIgnoreCase))
        {
            return ReadCname(ref fields, owner, out verdict, out action, out error);
        }

        if (type.Equals("A", StringComparison.OrdinalIgnoreCase)
            || type.Equals("AAAA", StringComparison.OrdinalIgnoreCase))
        {
            bool isA = type.Length == 1;
            if (!TryReadOne(ref fields, isA ? "A" : "AAAA", "address", out ReadOnlySpan<char> text, out error))
            {
                return Outcome.Error;
            }

            AddressFamily family = isA ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
            if (!IPAddress.TryParse(text, out IPAddress? address) || address.AddressFamily != family
                || (isA && text.Count('.') != 3) || text.Contains('%'))
            {
                error = $"{ListSyntax.Quote(text)} is not an {(isA ? "IPv4" : "IPv6")} address for an {(isA ? "A" : "AAAA")} record";
                return Outcome.Error;
            }

            _scratch.Set(isA ? "A " : "AAAA ");
            _scratch.Append(text);
            return Outcome.Rule;
        }

        if (type.Equals("TXT", StringComparison.OrdinalIgnoreCase))
        {
            _scratch.Set("TXT");
            bool any = false;
            while (fields.TryNext(out ReadOnlySpan<char> text))
            {
                any = true;
                _scratch.Append(' ');
                _scratch.Append(text);
            }

            if (!any)
            {
                error = "TXT record has no text";
                return Outcome.Error;
            }

            return Outcome.Rule;
        }

        if (IsNonPolicyType(type))
        {
            return Outcome.Skip;
        }

        error = $"unknown record type {ListSyntax.Quote(type)}";
        return Outcome.Error;
    }

    private Outcome ReadCname(ref RpzTokenizer fields, ReadOnlySpan<char> owner,
        out Verdict verdict, out RuleAction action, out string? error)
    {
        verdict = Verdict.Blocked;
        action = RuleAction.LocalData;
        if (!TryReadOne(ref fields, "CNAME", "target", out ReadOnlySpan<char> target, out error))
        {
            return Outcome.Error;
        }

        if (target is ".")
        {
            action = RuleAction.NxDomain;
            return Outcome.Rule;
        }

        if (target is "*.")
        {
            action = RuleAction.NoData;
            return Outcome.Rule;
        }

        if (target.Equals("rpz-passthru.", StringComparison.OrdinalIgnoreCase))
        {
            verdict = Verdict.Allowed;
            action = RuleAction.Default;
            return Outcome.Rule;
        }

        if (target.Equals("rpz-drop.", StringComparison.OrdinalIgnoreCase))
        {
            action = RuleAction.Drop;
            return Outcome.Rule;
        }

        if (target.Equals("rpz-tcp-only.", StringComparison.OrdinalIgnoreCase))
        {
            // Answering over UDP with TC=1 is not a policy PipShield offers.
            return Outcome.Skip;
        }

        _scratch.Set("CNAME ");
        _scratch.Append(target);
        if (!IsAbsolute(target))
        {
            if (_origin is null)
            {
                error = $"CNAME target {ListSyntax.Quote(target)} is relative and the zone has no $ORIGIN; end it with '.'";
                return Outcome.Error;
            }

            if (_origin != ".")
            {
                _scratch.Append('.');
            }

            _scratch.Append(_origin);
        }

        // The legacy PASSTHRU form is a CNAME to the trigger name itself.
        ReadOnlySpan<char> absoluteTarget = _scratch.Span["CNAME ".Length..];
        if (absoluteTarget[..^1].Equals(owner, StringComparison.OrdinalIgnoreCase))
        {
            verdict = Verdict.Allowed;
            action = RuleAction.Default;
        }

        return Outcome.Rule;
    }

    private static bool TryReadOne(ref RpzTokenizer fields, string type, string what, out ReadOnlySpan<char> value,
        [NotNullWhen(false)] out string? error)
    {
        if (!fields.TryNext(out value))
        {
            error = $"{type} record has no {what}";
            return false;
        }

        if (fields.TryNext(out _))
        {
            error = $"{type} record has more than one {what}";
            return false;
        }

        error = null;
        return true;
    }

    private static Trigger ClassifyTrigger(ReadOnlySpan<char> owner)
    {
        if (HasLabelSuffix(owner, "rpz-ip"))
        {
            return Trigger.Ip;
        }

        return HasLabelSuffix(owner, "rpz-nsdname") || HasLabelSuffix(owner, "rpz-nsip")
            || HasLabelSuffix(owner, "rpz-client-ip")
                ? Trigger.Unsupported
                : Trigger.QName;
    }

    private static bool HasLabelSuffix(ReadOnlySpan<char> name, string label) =>
        name.EndsWith(label, StringComparison.OrdinalIgnoreCase)
        && (name.Length == label.Length || name[^(label.Length + 1)] == '.');

    /// <summary><c>*.example.org</c> covers the subdomains of example.org; any other owner only itself.</summary>
    private static bool TryGetQNameTrigger(ReadOnlySpan<char> owner, out ReadOnlySpan<char> name,
        out DomainScope scope, [NotNullWhen(false)] out string? error)
    {
        name = owner;
        scope = DomainScope.NameOnly;
        if (owner.StartsWith("*."))
        {
            name = owner[2..];
            scope = DomainScope.SubdomainsOnly;
        }

        if (name.IsEmpty || name is "*")
        {
            error = $"owner {ListSyntax.Quote(owner)} would match every name";
            return false;
        }

        if (name.Contains('*'))
        {
            error = $"owner {ListSyntax.Quote(owner)} has a '*' that is not a leading '*.' label";
            return false;
        }

        error = null;
        return true;
    }

    private static bool IsClass(ReadOnlySpan<char> field) =>
        field.Equals("IN", StringComparison.OrdinalIgnoreCase)
        || field.Equals("CH", StringComparison.OrdinalIgnoreCase)
        || field.Equals("CS", StringComparison.OrdinalIgnoreCase)
        || field.Equals("HS", StringComparison.OrdinalIgnoreCase);

    private static bool IsNonPolicyType(ReadOnlySpan<char> type)
    {
        foreach (string known in NonPolicyTypes)
        {
            if (type.Equals(known, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        // RFC 3597 generic type syntax: TYPE65534.
        return type.Length > 4 && type.StartsWith("TYPE", StringComparison.OrdinalIgnoreCase)
            && !type[4..].ContainsAnyExceptInRange('0', '9');
    }
}
