using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text.Json;
using PipShield.Blocklist;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.QueryLog;

namespace PipShield.Service.QueryLog;

/// <summary>
/// Turns a <see cref="QueryLogEntry"/> into one line of JSON. Field names are the log's schema: keep them
/// stable, and add rather than rename. Not thread-safe; the writer owns one.
/// </summary>
internal sealed class QueryLogFormatter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _json;

    public QueryLogFormatter() => _json = new Utf8JsonWriter(_buffer);

    /// <summary>The line for <paramref name="entry"/>, ending in <c>\n</c>; valid until the next call.</summary>
    public ReadOnlySpan<byte> Format(in QueryLogEntry entry)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        _json.WriteStartObject();

        Span<char> text = stackalloc char[PresentationName.MaxChars + 8];
        var time = new DateTime(entry.TimeTicks, DateTimeKind.Utc);
        time.TryFormat(text, out int length, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        _json.WriteString("time"u8, text[..length]);
        _json.WriteString("client"u8, entry.Client.ToString());
        if (entry.Device is { } device)
        {
            // The short ID only: the full ID is the device's secret, and log files get copied around.
            _json.WriteString("device"u8, device.Name);
            _json.WriteString("deviceId"u8, device.ShortId);
        }
        else
        {
            _json.WriteNull("device"u8);
        }

        _json.WriteString("transport"u8, TransportName(entry.Transport));
        _json.WriteString("name"u8, text[..PresentationName.Write(entry.QName, text)]);
        _json.WriteString("type"u8, TypeName(entry.QType));
        if (entry.Rcode < 0)
        {
            _json.WriteNull("rcode"u8);
        }
        else
        {
            _json.WriteString("rcode"u8, RcodeName(entry.Rcode));
        }

        _json.WriteString("result"u8, Result(entry));
        if (entry.Verdict == Verdict.Blocked)
        {
            _json.WriteString("category"u8, entry.Source?.Category);
            _json.WriteString("source"u8, entry.Source?.Name);
            _json.WriteString("rule"u8, Rule(entry, text));
            _json.WriteString("action"u8, ActionName(entry.Action));
        }

        _json.WriteNumber("ms"u8, Math.Round(entry.ElapsedTicks / (double)TimeSpan.TicksPerMillisecond, 3));
        _json.WriteEndObject();
        _json.Flush();
        _buffer.Write("\n"u8);
        return _buffer.WrittenSpan;
    }

    /// <summary>What the client got, in words.</summary>
    public static string Result(in QueryLogEntry entry) => entry.Verdict == Verdict.Blocked ? "blocked" : entry.Origin switch
    {
        ResponseOrigin.Cache => "cached",
        ResponseOrigin.Stale => "stale",
        ResponseOrigin.Upstream => "forwarded",
        ResponseOrigin.Refused => "refused",
        ResponseOrigin.RateLimited => "rate-limited",
        ResponseOrigin.Local => "local",
        ResponseOrigin.Error when entry.Rcode == 2 => "servfail",
        ResponseOrigin.Error => "error",
        _ => entry.Rcode < 0 ? "dropped" : "error",
    };

    /// <summary>The listed name, or the listed prefix for an IP rule (<c>192.0.2.0/24</c>).</summary>
    public static string Rule(in QueryLogEntry entry, Span<char> scratch)
    {
        ReadOnlySpan<byte> rule = entry.Rule;
        if (!entry.RuleIsIp)
        {
            return new string(scratch[..PresentationName.Write(rule, scratch)]);
        }

        if (rule.Length is not (4 or 16))
        {
            return "";
        }

        Span<byte> masked = stackalloc byte[rule.Length];
        rule.CopyTo(masked);
        int prefix = Math.Min(entry.RulePrefixLength, rule.Length * 8);
        if (rule.Length == 4)
        {
            uint value = BinaryPrimitives.ReadUInt32BigEndian(masked);
            BinaryPrimitives.WriteUInt32BigEndian(masked, prefix == 0 ? 0 : value & (uint.MaxValue << (32 - prefix)));
        }
        else
        {
            UInt128 value = BinaryPrimitives.ReadUInt128BigEndian(masked);
            BinaryPrimitives.WriteUInt128BigEndian(masked, prefix == 0 ? 0 : value & (UInt128.MaxValue << (128 - prefix)));
        }

        return $"{new IPAddress(masked)}/{prefix}";
    }

    private static string TransportName(Transport transport) => transport switch
    {
        Transport.Udp => "udp",
        Transport.Tcp => "tcp",
        Transport.Tls => "tls",
        Transport.Https => "https",
        _ => "other",
    };

    public static string ActionName(RuleAction action) => action switch
    {
        RuleAction.Sinkhole => "sinkhole",
        RuleAction.NxDomain => "nxdomain",
        RuleAction.NoData => "nodata",
        RuleAction.Refused => "refused",
        RuleAction.Drop => "drop",
        RuleAction.LocalData => "local-data",
        _ => "default",
    };

    /// <summary>RFC 1035 §4.1.1 and RFC 6895 names; other values as numbers.</summary>
    public static string RcodeName(int rcode) => rcode switch
    {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        _ => rcode.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The mnemonic of common types; others as <c>TYPEnnn</c> (RFC 3597 §5).</summary>
    public static string TypeName(ushort type) => type switch
    {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        12 => "PTR",
        13 => "HINFO",
        15 => "MX",
        16 => "TXT",
        28 => "AAAA",
        33 => "SRV",
        35 => "NAPTR",
        43 => "DS",
        46 => "RRSIG",
        48 => "DNSKEY",
        64 => "SVCB",
        65 => "HTTPS",
        251 => "IXFR",
        252 => "AXFR",
        255 => "ANY",
        257 => "CAA",
        _ => "TYPE" + type.ToString(CultureInfo.InvariantCulture),
    };
}
