using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Server;
using PipShield.Resolver.Wire;

namespace PipShield.Service.Doh;

/// <summary>
/// Answers RFC 8484 requests: <c>GET {path}?dns=BASE64URL</c> and <c>POST {path}</c> with an
/// <c>application/dns-message</c> body, also at <c>{path}/{device-id}</c>. The query runs through the resolver's
/// pipeline like any other; bad requests get a 4xx that says what is wrong.
/// </summary>
internal sealed class DohEndpoint(Func<ResolverServer?> server, IDeviceDirectory? devices, string path, ILogger logger)
{
    public const string MessageType = "application/dns-message";

    private const int MaxMessage = QueryContext.MaxMessageSize;

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            await RespondAsync(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            // Kestrel's own limits (a malformed or overlong body) surface here; answer with its status.
            await ErrorAsync(context, ex.StatusCode, "bad request").ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            DohLog.RequestFailed(logger, ex);
            if (!context.Response.HasStarted)
            {
                await ErrorAsync(context, StatusCodes.Status500InternalServerError, "internal error").ConfigureAwait(false);
            }
        }
    }

    private async Task RespondAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        if (!TryMatchPath(request.Path.Value, out string? deviceId))
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, $"not found; DNS queries go to {path}").ConfigureAwait(false);
            return;
        }

        DeviceIdentity? device = null;
        if (deviceId is not null)
        {
            device = devices?.FindById(deviceId);
            if (device is null && devices is { RefuseUnknownIds: true })
            {
                await ErrorAsync(context, StatusCodes.Status404NotFound, "unknown device").ConfigureAwait(false);
                return;
            }
        }

        bool isGet = HttpMethods.IsGet(request.Method);
        if (!isGet && !HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "GET, POST";
            await ErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "use GET or POST").ConfigureAwait(false);
            return;
        }

        byte[] query = ArrayPool<byte>.Shared.Rent(MaxMessage + 1);
        byte[] response = ArrayPool<byte>.Shared.Rent(MaxMessage);
        try
        {
            (int length, int status, string? problem) = isGet ? ReadGet(request, query) : await ReadPostAsync(request, query, context.RequestAborted).ConfigureAwait(false);
            if (problem is not null)
            {
                await ErrorAsync(context, status, problem).ConfigureAwait(false);
                return;
            }

            if (length < DnsHeader.Size || (DnsHeader.Flags(query) & DnsHeader.QrFlag) != 0)
            {
                await ErrorAsync(context, StatusCodes.Status400BadRequest, "not a DNS query").ConfigureAwait(false);
                return;
            }

            if (server() is not { } resolver)
            {
                // The resolver is still starting (or stopping): say so, rather than blame the client.
                context.Response.Headers.RetryAfter = "1";
                await ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "the resolver is not running yet").ConfigureAwait(false);
                return;
            }

            ClientAddress client = context.Connection.RemoteIpAddress is { } address ? ClientAddress.From(address) : default;
            int answered = await resolver.QueryAsync(query.AsMemory(0, length), client, device, Transport.Https, response, context.RequestAborted)
                .ConfigureAwait(false);
            if (answered == 0)
            {
                // Dropped by the pipeline: not allowed by the access list, or not a query it answers.
                await ErrorAsync(context, StatusCodes.Status403Forbidden, "query not answered").ConfigureAwait(false);
                return;
            }

            HttpResponse http = context.Response;
            http.StatusCode = StatusCodes.Status200OK;
            http.ContentType = MessageType;
            http.ContentLength = answered;

            // RFC 8484 §5.1: the answer may be cached by HTTP for no longer than its smallest TTL.
            http.Headers.CacheControl = "max-age=" + SmallestTtl(response.AsSpan(0, answered)).ToString(CultureInfo.InvariantCulture);
            await http.Body.WriteAsync(response.AsMemory(0, answered), context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(query);
            ArrayPool<byte>.Shared.Return(response);
        }
    }

    /// <summary>The smallest TTL of the answer and authority records (the SOA's for a negative answer); 0 when there are none.</summary>
    internal static uint SmallestTtl(ReadOnlySpan<byte> message)
    {
        var reader = new DnsRecordReader(message);
        uint smallest = uint.MaxValue;
        while (reader.TryReadNext(out DnsRecordInfo record))
        {
            if (record.Section is DnsSection.Answer or DnsSection.Authority)
            {
                smallest = Math.Min(smallest, record.Ttl);
            }
        }

        return smallest == uint.MaxValue ? 0 : smallest;
    }

    /// <summary>Whether <paramref name="requestPath"/> is this endpoint's path, with or without a device ID.</summary>
    public bool Handles(PathString requestPath) => TryMatchPath(requestPath.Value, out _);

    private bool TryMatchPath(string? requestPath, out string? deviceId)
    {
        deviceId = null;
        if (requestPath is null || !requestPath.StartsWith(path, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> rest = requestPath.AsSpan(path.Length);
        if (rest.IsEmpty)
        {
            return true;
        }

        if (rest[0] != '/' || rest.Length < 2 || rest.Length > 65 || rest[1..].ContainsAnyExcept(IdCharacters))
        {
            return false;
        }

        deviceId = rest[1..].ToString();
        return true;
    }

    private static readonly SearchValues<char> IdCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_");

    private static (int Length, int Status, string? Problem) ReadGet(HttpRequest request, byte[] destination)
    {
        StringValues values = request.Query["dns"];
        if (values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return (0, StatusCodes.Status400BadRequest, "the dns parameter is missing");
        }

        string encoded = values[0]!;
        if (Base64Url.GetMaxDecodedLength(encoded.Length) > MaxMessage + 3)
        {
            return (0, StatusCodes.Status414UriTooLong, "the dns parameter is longer than a DNS message can be");
        }

        // RFC 8484 §4.1: base64url without padding; padding is tolerated, other characters are not.
        OperationStatus status = Base64Url.DecodeFromChars(encoded.AsSpan().TrimEnd('='), destination, out _, out int written);
        if (status != OperationStatus.Done)
        {
            return (0, StatusCodes.Status400BadRequest, "the dns parameter is not base64url");
        }

        return written > MaxMessage ? (0, StatusCodes.Status414UriTooLong, "the DNS message is over 65535 bytes") : (written, 0, null);
    }

    private static async Task<(int Length, int Status, string? Problem)> ReadPostAsync(HttpRequest request, byte[] destination, CancellationToken cancellationToken)
    {
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), MessageType, StringComparison.OrdinalIgnoreCase))
        {
            return (0, StatusCodes.Status415UnsupportedMediaType, $"the body must be {MessageType}");
        }

        if (request.ContentLength > MaxMessage)
        {
            return (0, StatusCodes.Status413PayloadTooLarge, "the body is over 65535 bytes");
        }

        // Read one byte more than a message may hold, so a chunked body that is too long is seen as such.
        int total = 0;
        for (int reads = 0; reads < MaxMessage + 2 && total <= MaxMessage; reads++)
        {
            int read = await request.Body.ReadAsync(destination.AsMemory(total, MaxMessage + 1 - total), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return (total, 0, null);
            }

            total += read;
        }

        return (0, StatusCodes.Status413PayloadTooLarge, "the body is over 65535 bytes");
    }

    private static async Task ErrorAsync(HttpContext context, int status, string problem)
    {
        HttpResponse response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        await response.WriteAsync(problem + "\n", context.RequestAborted).ConfigureAwait(false);
    }
}
