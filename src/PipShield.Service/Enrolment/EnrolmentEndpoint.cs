using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.Admission;
using PipShield.Service.BlockPage;
using PipShield.Service.Devices;
using PipShield.Service.Hosting;

namespace PipShield.Service.Enrolment;

/// <summary>
/// Serves <c>/enrol/{id}</c> and <c>/enrol/{id}/pipshield.mobileconfig</c> on the warning page's server. The ID in
/// the address is the device's secret, so only clients PipShield serves (<c>Resolver:AccessControl:Allow</c>) get an
/// answer, and an unknown ID gets the same 404 as a malformed one.
/// </summary>
internal sealed class EnrolmentEndpoint
{
    private const string Prefix = "/enrol";
    private readonly DeviceStore _devices;
    private readonly DevicesOptions _options;
    private readonly BlockPageOptions _page;
    private readonly AccessControlList _acl;
    private readonly string? _stateDirectory;
    private readonly ILogger _logger;

    public EnrolmentEndpoint(DeviceStore devices, IOptions<BlockPageOptions> page, IOptions<AccessControlOptions> accessControl,
        IOptions<ListsOptions> lists, ILoggerFactory loggerFactory)
    {
        _devices = devices;
        _options = devices.Options;
        _page = page.Value;
        _stateDirectory = lists.Value.StateDirectory;
        _logger = loggerFactory.CreateLogger("PipShield.Enrolment");
        try
        {
            _acl = accessControl.Value.Allow.Count > 0 ? AccessControlList.Parse(accessControl.Value.Allow) : AccessControlList.PrivateNetworks;
        }
        catch (FormatException)
        {
            _acl = new AccessControlList([]); // the resolver refuses to start with this list; until then nobody gets a page
        }
    }

    /// <summary>Whether <paramref name="path"/> is an enrolment address.</summary>
    public static bool Handles(PathString path) => path.StartsWithSegments(Prefix, StringComparison.Ordinal);

    public async Task RespondAsync(HttpContext context)
    {
        HttpResponse response = context.Response;
        foreach (KeyValuePair<string, string> header in BlockPageHostedService.SecurityHeaders)
        {
            response.Headers[header.Key] = header.Value;
        }

        if (context.Connection.RemoteIpAddress is not { } remote || !_acl.Allows(ClientAddress.From(remote)))
        {
            DevicesLog.PageRefused(_logger, context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            await WriteAsync(context, StatusCodes.Status403Forbidden, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(EnrolmentPage.Forbidden(_page.Organisation))).ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            response.Headers.Allow = "GET, HEAD";
            await WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "text/plain; charset=utf-8", "Only GET and HEAD.\n"u8.ToArray()).ConfigureAwait(false);
            return;
        }

        (int status, string type, byte[] body) reply;
        try
        {
            reply = Reply(context);
        }
        catch (Exception ex)
        {
            // A bug here must not take the warning page down with it.
            DevicesLog.PageFailed(_logger, ex);
            reply = (StatusCodes.Status500InternalServerError, "text/plain; charset=utf-8", "The enrolment page failed; the service log says why.\n"u8.ToArray());
        }

        await WriteAsync(context, reply.status, reply.type, reply.body).ConfigureAwait(false);
    }

    private (int Status, string Type, byte[] Body) Reply(HttpContext context)
    {
        HttpRequest request = context.Request;
        // /enrol/{id} or /enrol/{id}/pipshield.mobileconfig; anything else is not found.
        string rest = request.Path.Value![Prefix.Length..].TrimStart('/');
        string[] parts = rest.Split('/');
        bool profile = parts.Length == 2 && parts[1] == EnrolmentProfile.FileName;
        DeviceIdentity? device = parts.Length == 1 || profile ? _devices.FindById(parts[0]) : null;
        if (device is null || (parts.Length == 1 && rest.EndsWith('/')))
        {
            return (StatusCodes.Status404NotFound, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(EnrolmentPage.NotFound(_page.Organisation)));
        }

        EnrolmentLinks links = EnrolmentLinks.For(device.Id, _options, _page);
        DevicesLog.PageServed(_logger, device.ShortId);
        if (profile)
        {
            using X509Certificate2? ca = _options.ProfileIncludesOwnCa ? LoadOwnCa() : null;
            byte[]? config = EnrolmentProfile.Create(device.Name, links, _page.Organisation, ca);
            return config is null
                ? (StatusCodes.Status404NotFound, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(EnrolmentPage.NotFound(_page.Organisation)))
                : (StatusCodes.Status200OK, EnrolmentProfile.ContentType, config);
        }

        // The QR code holds the address this page was asked for, so it opens the same page on the device. The raw
        // header: HostString's own parsing decodes punycode and throws on a bad A-label.
        IPEndPoint? local = context.Connection.LocalIpAddress is { } localAddress ? new IPEndPoint(localAddress, context.Connection.LocalPort) : null;
        (string self, bool localOnly) = EnrolmentPageAddress.For(request.Headers.Host.ToString(), request.Scheme, links, local);
        return (StatusCodes.Status200OK, "text/html; charset=utf-8",
            Encoding.UTF8.GetBytes(EnrolmentPage.Render(device.Name, links, _page.Organisation, self, localOnly)));
    }

    /// <summary>The warning page's own CA certificate (public part), or null when it has not been created.</summary>
    private X509Certificate2? LoadOwnCa()
    {
        string path = Path.Combine(BlockPageCa.DirectoryFor(_stateDirectory), BlockPageCa.CertificateFileName);
        return File.Exists(path) ? X509Certificate2.CreateFromPem(File.ReadAllText(path)) : null;
    }

    private static async Task WriteAsync(HttpContext context, int status, string contentType, byte[] body)
    {
        HttpResponse response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        if (status == StatusCodes.Status200OK && contentType == EnrolmentProfile.ContentType)
        {
            response.Headers.ContentDisposition = $"attachment; filename=\"{EnrolmentProfile.FileName}\"";
        }

        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
