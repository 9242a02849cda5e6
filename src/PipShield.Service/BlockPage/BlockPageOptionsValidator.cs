using System.Net;
using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace PipShield.Service.BlockPage;

/// <summary>Cross-field checks of <see cref="BlockPageOptions"/>; each failure names its key.</summary>
internal sealed class BlockPageOptionsValidator : IValidateOptions<BlockPageOptions>
{
    public ValidateOptionsResult Validate(string? name, BlockPageOptions options)
    {
        var errors = new List<string>();
        const string S = BlockPageOptions.SectionName;
        CheckEndPoints(options.HttpEndPoints, $"{S}:HttpEndPoints", errors);
        CheckEndPoints(options.HttpsEndPoints, $"{S}:HttpsEndPoints", errors);
        CheckAddress(options.AddressIPv4, System.Net.Sockets.AddressFamily.InterNetwork, $"{S}:AddressIPv4", errors);
        CheckAddress(options.AddressIPv6, System.Net.Sockets.AddressFamily.InterNetworkV6, $"{S}:AddressIPv6", errors);

        if (options.ReportAddress is { Length: > 0 } report && BlockPageText.ReportLink(report) is null)
        {
            errors.Add($"{S}:ReportAddress: '{report}' is neither an email address nor an https:// URL");
        }

        if (options.CertificateKeyFile is not null && options.CertificateFile is null)
        {
            errors.Add($"{S}:CertificateKeyFile: set CertificateFile too");
        }

        if (options.CertificateFile is not null && options.OwnCa)
        {
            errors.Add($"{S}:OwnCa: use either a configured certificate (CertificateFile) or the own CA, not both");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckEndPoints(List<string> endPoints, string key, List<string> errors)
    {
        for (int i = 0; i < endPoints.Count; i++)
        {
            if (!IPEndPoint.TryParse(endPoints[i], out IPEndPoint? endPoint) || endPoint.Port == 0 && !endPoints[i].EndsWith(":0", StringComparison.Ordinal))
            {
                errors.Add($"{key}:{i}: '{endPoints[i]}' is not ADDRESS:PORT (e.g. 192.0.2.10:80 or [2001:db8::10]:80)");
            }
        }
    }

    private static void CheckAddress(string? text, System.Net.Sockets.AddressFamily family, string key, List<string> errors)
    {
        if (text is null)
        {
            return;
        }

        if (!IPAddress.TryParse(text, out IPAddress? address) || address.AddressFamily != family)
        {
            errors.Add($"{key}: '{text}' is not an {(family == System.Net.Sockets.AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address");
        }
        else if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            errors.Add($"{key}: a wildcard address cannot be answered to devices; give the address they reach the page on");
        }
    }

    /// <summary>True when <paramref name="text"/> looks like a single plain email address.</summary>
    internal static bool IsEmail(string text) =>
        MailAddress.TryCreate(text, out MailAddress? mail) && mail.Address == text && string.IsNullOrEmpty(mail.DisplayName);
}
