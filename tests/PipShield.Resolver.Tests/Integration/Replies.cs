using System.Text;
using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Wire;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>Reads what the tests check in replies decoded by ARSoft.Tools.Net.</summary>
internal static class Replies
{
    /// <summary>The Extended DNS Error (RFC 8914) in the reply's OPT, or null.</summary>
    public static (ushort Code, string Text)? Ede(DnsMessage message)
    {
        var option = message.EDnsOptions?.Options.OfType<UnknownOption>().FirstOrDefault(o => (ushort)o.Type == EdnsOptions.ExtendedError);
        if (option?.Data is not { Length: >= 2 } data)
        {
            return null;
        }

        return ((ushort)(data[0] << 8 | data[1]), Encoding.UTF8.GetString(data, 2, data.Length - 2));
    }

    public static string[] Addresses(DnsMessage message) =>
        [.. message.AnswerRecords.OfType<ARecord>().Select(a => a.Address.ToString())];
}
