using System.Diagnostics.CodeAnalysis;
using System.Net;
using PipShield.Blocklist;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Names;

namespace PipShield.Service.Cli;

/// <summary>
/// Looks one input up: an IPv4/IPv6 address as an IP, anything else as a domain name. Domain lookups reuse
/// this instance's buffers and allocate nothing; not thread-safe.
/// </summary>
internal sealed class NameChecker(BlocklistImage image)
{
    private readonly char[] _normalized = new char[DomainName.MaxLength];
    private readonly char[] _rule = new char[DomainName.MaxLength + 2];

    /// <returns>False with <paramref name="error"/> set when the input is neither a name nor an address.</returns>
    public bool TryCheck(ReadOnlySpan<char> input, out CheckAnswer answer, [NotNullWhen(false)] out string? error)
    {
        answer = CheckAnswer.None;
        if (LooksLikeAddress(input))
        {
            if (IPAddress.TryParse(input, out IPAddress? address))
            {
                RuleMatch ipMatch = image.Match(address);
                if (ipMatch.Verdict != Verdict.None)
                {
                    answer = new CheckAnswer(ipMatch.Verdict, BlocklistImage.FormatRule(ipMatch, address), ipMatch.SourceIndex);
                }

                error = null;
                return true;
            }

            if (input.Contains(':'))
            {
                error = $"'{input}' is not an IP address, and a name cannot hold ':'";
                return false;
            }
        }

        // Normalise once (case, trailing dot, IDN), then look the wire form up from a stack buffer.
        Span<char> normalized = _normalized;
        if (!DomainName.TryNormalize(input, normalized, out int length, out error, allowSingleLabel: true))
        {
            return false;
        }

        Span<byte> wireName = stackalloc byte[DomainName.MaxWireLength + 1];
        int wireLength = DomainName.WriteWire(normalized[..length], wireName);
        if (wireLength == 0)
        {
            error = $"'{input}' is not a valid domain name";
            return false;
        }

        RuleMatch match = image.Match(wireName[..wireLength]);
        if (match.Verdict != Verdict.None)
        {
            answer = new CheckAnswer(match.Verdict, FormatRule(match.NameOffset, match.Scope, normalized[..length]), match.SourceIndex);
        }

        return true;
    }

    /// <summary>Like <see cref="BlocklistImage.FormatRule(in RuleMatch, ReadOnlySpan{char})"/>, into a reused buffer.</summary>
    /// <remarks>A wire offset is also the presentation offset: each label is one length byte in wire form and
    /// one dot in presentation form.</remarks>
    private ReadOnlySpan<char> FormatRule(int nameOffset, DomainScope scope, ReadOnlySpan<char> normalizedName)
    {
        ReadOnlySpan<char> ruleName = normalizedName[Math.Min(nameOffset, normalizedName.Length)..];
        if (scope != DomainScope.SubdomainsOnly)
        {
            return ruleName;
        }

        _rule[0] = '*';
        _rule[1] = '.';
        ruleName.CopyTo(_rule.AsSpan(2));
        return _rule.AsSpan(0, ruleName.Length + 2);
    }

    /// <summary>A colon (IPv6) or a dotted quad of digits (IPv4); "1.2" shorthands stay names and fail as such.</summary>
    private static bool LooksLikeAddress(ReadOnlySpan<char> input) =>
        input.Contains(':')
        || (input.Length >= 7 && char.IsAsciiDigit(input[0]) && char.IsAsciiDigit(input[^1]) && input.Count('.') == 3);
}
