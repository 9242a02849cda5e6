using System.Diagnostics.CodeAnalysis;

namespace PipShield.Blocklist.Parsing;

/// <summary>
/// Response Policy Zones in master-file syntax (RFC 1035 §5, draft-vixie-dnsop-dns-rpz). This part reads lines:
/// comments, parentheses, directives and owner names. <c>RpzParser.Records.cs</c> turns records into rules.
/// </summary>
/// <remarks>
/// Owner names become trigger names relative to the zone apex. The apex is the first <c>$ORIGIN</c>, or the owner
/// of an absolute SOA when the file has no <c>$ORIGIN</c>. Without either (BIND supplies the origin from its
/// configuration) relative owners are used as they stand and absolute owners lose only their final dot.
/// </remarks>
internal sealed partial class RpzParser : ILineParser
{
    private const string UnterminatedParenthesis = "unterminated parenthesis";

    private readonly NameBuffer _owner = new();
    private readonly NameBuffer _scratch = new();
    private readonly NameBuffer _pending = new();

    /// <summary>The current origin, absolute (ends with '.'); null until a $ORIGIN or absolute SOA is seen.</summary>
    private string? _origin;

    /// <summary>The zone apex, absolute; trigger names are owner names relative to it.</summary>
    private string? _apex;

    private OwnerState _ownerState;

    /// <summary>The owner token was absolute and no apex was known, so it was kept whole.</summary>
    private bool _ownerOutsideKnownZone;

    private bool _inParentheses;
    private int _pendingLineNumber;
    private bool _pendingOwnerOmitted;

    private enum OwnerState : byte
    {
        None,
        Valid,
        Rejected,
    }

    public void ParseLine(ReadOnlySpan<char> line, int lineNumber, IRuleSink sink)
    {
        if (_inParentheses)
        {
            ContinueRecord(line, lineNumber, sink);
            return;
        }

        if (!RpzLineScanner.Scan(line, insideParentheses: false, out int dataLength, out bool open, out string? error))
        {
            sink.OnError(lineNumber, error);
            return;
        }

        ReadOnlySpan<char> data = line[..dataLength];
        if (ListSyntax.Trim(data).IsEmpty)
        {
            return;
        }

        // RFC 1035 §5.1: a record whose line starts with whitespace has the previous record's owner.
        bool ownerOmitted = ListSyntax.IsSpace(data[0]);
        if (open)
        {
            _inParentheses = true;
            _pendingLineNumber = lineNumber;
            _pendingOwnerOmitted = ownerOmitted;
            _pending.Set(data);
            return;
        }

        ParseRecord(data, ownerOmitted, lineNumber, sink);
    }

    public void Complete(IRuleSink sink)
    {
        if (_inParentheses)
        {
            _inParentheses = false;
            sink.OnError(_pendingLineNumber, UnterminatedParenthesis);
        }
    }

    private void ContinueRecord(ReadOnlySpan<char> line, int lineNumber, IRuleSink sink)
    {
        if (!RpzLineScanner.Scan(line, insideParentheses: true, out int dataLength, out bool open, out string? error))
        {
            _inParentheses = false;
            sink.OnError(lineNumber, error);
            return;
        }

        if (_pending.Length + 1 + dataLength > ListParser.MaxLineLength)
        {
            // A '(' that never closes would otherwise swallow the rest of the file.
            _inParentheses = false;
            sink.OnError(_pendingLineNumber,
                $"{UnterminatedParenthesis}: the record runs past {ListParser.MaxLineLength} characters");
            return;
        }

        _pending.Append(' ');
        _pending.Append(line[..dataLength]);
        if (!open)
        {
            _inParentheses = false;
            ParseRecord(_pending.Span, _pendingOwnerOmitted, _pendingLineNumber, sink);
        }
    }

    private void ParseRecord(ReadOnlySpan<char> record, bool ownerOmitted, int lineNumber, IRuleSink sink)
    {
        var fields = new RpzTokenizer(record);
        RpzTokenizer probe = fields;
        if (!probe.TryNext(out _))
        {
            // Only parentheses.
            return;
        }

        if (!ownerOmitted)
        {
            fields.TryNext(out ReadOnlySpan<char> owner);
            if (owner[0] == '$')
            {
                ParseDirective(owner, ref fields, lineNumber, sink);
                return;
            }

            if (!TryResolveOwner(owner, out string? ownerError))
            {
                _ownerState = OwnerState.Rejected;
                sink.OnError(lineNumber, ownerError);
                return;
            }
        }
        else if (_ownerState != OwnerState.Valid)
        {
            sink.OnError(lineNumber, _ownerState == OwnerState.None
                ? "record has no owner name and there is no earlier record to take it from"
                : "record continues an owner name that was rejected");
            return;
        }

        ParseTypeAndData(ref fields, lineNumber, sink);
    }

    private void ParseDirective(ReadOnlySpan<char> directive, ref RpzTokenizer fields, int lineNumber, IRuleSink sink)
    {
        if (directive.Equals("$TTL", StringComparison.OrdinalIgnoreCase))
        {
            if (!fields.TryNext(out ReadOnlySpan<char> ttl) || !IsTtl(ttl))
            {
                sink.OnError(lineNumber, "$TTL needs a time value");
            }

            return;
        }

        if (directive.Equals("$ORIGIN", StringComparison.OrdinalIgnoreCase))
        {
            if (!fields.TryNext(out ReadOnlySpan<char> origin))
            {
                sink.OnError(lineNumber, "$ORIGIN needs a domain name");
                return;
            }

            if (IsAbsolute(origin))
            {
                _origin = origin.ToString();
            }
            else if (_origin is not null)
            {
                _origin = _origin == "." ? $"{origin}." : $"{origin}.{_origin}";
            }
            else
            {
                sink.OnError(lineNumber, $"relative $ORIGIN {ListSyntax.Quote(origin)} with no absolute origin before it");
                return;
            }

            _apex ??= _origin;
            return;
        }

        // $INCLUDE would pull in rules this parser cannot read, and $GENERATE is a BIND extension: losing
        // their records silently would leave names unblocked, so they are errors rather than skips.
        sink.OnError(lineNumber, directive.Equals("$INCLUDE", StringComparison.OrdinalIgnoreCase)
            || directive.Equals("$GENERATE", StringComparison.OrdinalIgnoreCase)
                ? $"{ListSyntax.Quote(directive)} is not supported"
                : $"unknown directive {ListSyntax.Quote(directive)}");
    }

    /// <summary>Sets <see cref="_owner"/> to the trigger name (relative to the apex; empty for the apex).</summary>
    private bool TryResolveOwner(ReadOnlySpan<char> token, [NotNullWhen(false)] out string? error)
    {
        error = null;
        _ownerOutsideKnownZone = false;
        ReadOnlySpan<char> full;
        if (token is "@")
        {
            if (_origin is null)
            {
                SetOwner([]);
                return true;
            }

            full = _origin;
        }
        else if (IsAbsolute(token))
        {
            full = token;
        }
        else if (_origin is null)
        {
            SetOwner(token);
            return true;
        }
        else
        {
            _scratch.Set(token);
            if (_origin != ".")
            {
                _scratch.Append('.');
            }

            _scratch.Append(_origin);
            full = _scratch.Span;
        }

        if (_apex is null)
        {
            _ownerOutsideKnownZone = true;
            SetOwner(full.Length > 1 ? full[..^1] : full);
            return true;
        }

        if (!TryStripApex(full, _apex, out ReadOnlySpan<char> relative))
        {
            error = $"owner {ListSyntax.Quote(full)} is outside the zone {ListSyntax.Quote(_apex)}";
            return false;
        }

        SetOwner(relative);
        return true;
    }

    private void SetOwner(ReadOnlySpan<char> name)
    {
        _owner.Set(name);
        _ownerState = OwnerState.Valid;
    }

    private static bool TryStripApex(ReadOnlySpan<char> full, string apex, out ReadOnlySpan<char> relative)
    {
        if (full.Equals(apex, StringComparison.OrdinalIgnoreCase))
        {
            relative = [];
            return true;
        }

        if (apex == ".")
        {
            relative = full[..^1];
            return true;
        }

        if (full.Length > apex.Length + 1
            && full.EndsWith(apex, StringComparison.OrdinalIgnoreCase)
            && full[^(apex.Length + 1)] == '.')
        {
            relative = full[..^(apex.Length + 1)];
            return true;
        }

        relative = default;
        return false;
    }

    /// <summary>A name ending in an unescaped '.' is absolute (RFC 1035 §5.1).</summary>
    private static bool IsAbsolute(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name[^1] != '.')
        {
            return false;
        }

        int backslashes = 0;
        for (int i = name.Length - 2; i >= 0 && name[i] == '\\'; i--)
        {
            backslashes++;
        }

        return backslashes % 2 == 0;
    }

    /// <summary>RFC 2308 §4 TTL, or BIND's unit form (<c>1h30m</c>).</summary>
    private static bool IsTtl(ReadOnlySpan<char> field)
    {
        if (field.IsEmpty || !char.IsAsciiDigit(field[0]))
        {
            return false;
        }

        foreach (char c in field)
        {
            if (!char.IsAsciiDigit(c) && (c | 0x20) is not 's' and not 'm' and not 'h' and not 'd' and not 'w')
            {
                return false;
            }
        }

        return true;
    }
}
