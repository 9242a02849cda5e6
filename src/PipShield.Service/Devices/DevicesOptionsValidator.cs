using System.Globalization;
using Microsoft.Extensions.Options;

namespace PipShield.Service.Devices;

/// <summary>Checks the <c>Devices</c> section; every failure names the key.</summary>
internal sealed class DevicesOptionsValidator : IValidateOptions<DevicesOptions>
{
    public ValidateOptionsResult Validate(string? name, DevicesOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.StoreFile))
        {
            errors.Add($"{DevicesOptions.SectionName}:StoreFile: must name a file");
        }

        if (options.DohBaseUrl is { Length: > 0 } doh)
        {
            if (!Uri.TryCreate(doh, UriKind.Absolute, out Uri? uri) || uri.Scheme != Uri.UriSchemeHttps
                || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            {
                errors.Add($"{DevicesOptions.SectionName}:DohBaseUrl: '{doh}' is not an https:// URL without query or fragment, e.g. https://dns.example.org/dns-query");
            }
        }

        if (options.DotHostName is { Length: > 0 } dot && !IsHostName(dot))
        {
            errors.Add($"{DevicesOptions.SectionName}:DotHostName: '{dot}' is not a host name, e.g. dns.example.org");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Letters, digits and hyphens in dot-separated labels of 1–63 characters; room left for a device ID label.</summary>
    internal static bool IsHostName(string text)
    {
        if (text.Length > 253 - DeviceIds.Length - 1 || text.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (string label in text.TrimEnd('.').Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
    }
}
