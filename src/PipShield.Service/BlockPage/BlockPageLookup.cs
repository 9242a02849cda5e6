using System.Globalization;
using System.Net;
using PipShield.Blocklist;
using PipShield.Blocklist.Lookup;
using PipShield.Resolver.Stages.Policy;

namespace PipShield.Service.BlockPage;

/// <summary>Turns a request's Host into a <see cref="BlockPageModel"/> by looking it up in the lists in service.</summary>
internal sealed class BlockPageLookup(Func<ImageHolder?> images, TimeProvider time)
{
    private const int MaxNameLength = 253; // RFC 1035 §2.3.4, in presentation form without the final dot
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    public BlockPageModel Describe(string? host)
    {
        string? name = Normalize(host);
        DateTimeOffset now = time.GetUtcNow();
        ImageHolder? holder = images();
        if (name is null || holder is null)
        {
            return new BlockPageModel { Name = name, UnicodeName = UnicodeOf(name), When = now, ListsBuilt = holder?.Current?.BuildTime };
        }

        using ImageHolder.Lease lease = holder.Acquire();
        BlocklistImage? image = lease.Image;
        RuleMatch match = image is null || IPAddress.TryParse(name, out _) ? RuleMatch.None : image.Match(name.AsSpan());
        ImageSource? source = match.Verdict == Verdict.Blocked ? image!.GetSource(match) : null;
        return new BlockPageModel
        {
            Name = name,
            UnicodeName = UnicodeOf(name),
            Listed = source is not null,
            Category = source?.Category,
            Source = source?.Name,
            When = now,
            ListsBuilt = image?.BuildTime,
        };
    }

    /// <summary>The host part of a Host header: <c>example.org:8080</c> → <c>example.org</c>, <c>[2001:db8::1]:80</c> → <c>[2001:db8::1]</c>.</summary>
    internal static string WithoutPort(string header)
    {
        if (header.StartsWith('['))
        {
            int close = header.IndexOf(']', StringComparison.Ordinal);
            return close < 0 ? header : header[..(close + 1)];
        }

        int colon = header.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? header : header[..colon];
    }

    /// <summary>
    /// The Host as a lower-case A-label name without port or final dot; an IP literal as an address; null for
    /// anything that is not a valid host name (too long, bad characters, bad punycode).
    /// </summary>
    internal static string? Normalize(string? host)
    {
        if (string.IsNullOrEmpty(host) || host.Length > MaxNameLength * 4)
        {
            return null;
        }

        if (host.StartsWith('[') && host.EndsWith(']') && IPAddress.TryParse(host.AsSpan(1, host.Length - 2), out IPAddress? v6))
        {
            return v6.ToString();
        }

        string name = host.TrimEnd('.');
        if (!System.Text.Ascii.IsValid(name))
        {
            try
            {
                name = Idn.GetAscii(name);
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        name = name.ToLowerInvariant();
        if (name.Length is 0 or > MaxNameLength || !IsHostName(name))
        {
            return null;
        }

        return name;
    }

    private static bool IsHostName(string name)
    {
        foreach (string label in name.Split('.'))
        {
            if (label.Length is 0 or > 63)
            {
                return false;
            }

            foreach (char c in label)
            {
                // Underscores appear in real blocked names (tracking hosts), so they are accepted here too.
                if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static string? UnicodeOf(string? name)
    {
        if (name is null || !name.Contains("xn--", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            string unicode = Idn.GetUnicode(name);
            return unicode == name ? null : unicode;
        }
        catch (ArgumentException)
        {
            return null; // "xn--" that is not valid punycode: show the name as it came
        }
    }
}
