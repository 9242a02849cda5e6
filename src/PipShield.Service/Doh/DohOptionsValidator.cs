using System.Net;
using Microsoft.Extensions.Options;

namespace PipShield.Service.Doh;

/// <summary>Checks of <see cref="DohOptions"/>; each failure names its key.</summary>
internal sealed class DohOptionsValidator : IValidateOptions<DohOptions>
{
    public ValidateOptionsResult Validate(string? name, DohOptions options)
    {
        var errors = new List<string>();
        const string S = DohOptions.SectionName;
        for (int i = 0; i < options.EndPoints.Count; i++)
        {
            if (!IPEndPoint.TryParse(options.EndPoints[i], out IPEndPoint? endPoint) || endPoint.Port == 0)
            {
                errors.Add($"{S}:EndPoints:{i}: '{options.EndPoints[i]}' is not ADDR:PORT with a port from 1 to 65535");
            }
        }

        string path = options.Path;
        if (path.Length < 2 || path[0] != '/' || path.EndsWith('/') || path.Any(c => c is '?' or '#' or '{' or '}' || char.IsWhiteSpace(c)))
        {
            errors.Add($"{S}:Path: '{path}' must start with '/', not end with one, and hold no '?', '#', braces or spaces (e.g. /dns-query)");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
