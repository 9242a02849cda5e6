using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PipShield.Service.Tests.Feeds;

/// <summary>A feed server on 127.0.0.1 (Kestrel, free port) whose answers each test sets per path.</summary>
internal sealed class FeedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _routes = new();

    private FeedServer(WebApplication app) => _app = app;

    public int Port { get; private set; }

    /// <summary>Every request: path and the headers a feed client sends.</summary>
    public ConcurrentQueue<(string Path, string? IfNoneMatch, string? IfModifiedSince, string? AcceptEncoding, string? UserAgent)> Requests { get; } = new();

    public static async Task<FeedServer> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        var server = new FeedServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Port = new Uri(address).Port;
        return server;
    }

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public int CountOf(string path) => Requests.Count(r => r.Path == path);

    /// <summary>Answers <paramref name="path"/> with <paramref name="handler"/> from now on.</summary>
    public void Map(string path, Func<HttpContext, Task> handler) => _routes[path] = handler;

    /// <summary>Serves <paramref name="body"/> with an ETag and/or Last-Modified, answering 304 when the client's validators match.</summary>
    public void ServeFile(string path, byte[] body, string? etag = null, DateTimeOffset? lastModified = null) => Map(path, async context =>
    {
        HttpRequest request = context.Request;
        bool etagMatches = etag is not null && request.Headers.IfNoneMatch.ToString() == etag;
        bool unmodified = lastModified is { } modified && request.Headers.IfModifiedSince.Count > 0
            && DateTimeOffset.TryParse(request.Headers.IfModifiedSince.ToString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out DateTimeOffset since)
            && modified <= since;
        if (etag is not null)
        {
            context.Response.Headers.ETag = etag;
        }

        if (lastModified is { } value)
        {
            context.Response.Headers.LastModified = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }

        if (etagMatches || (etag is null && unmodified))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body);
    });

    /// <summary>Serves <paramref name="body"/> gzip-encoded (Content-Encoding) when the client accepts it.</summary>
    public void ServeGzipEncoded(string path, byte[] body) => Map(path, async context =>
    {
        if (!context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status406NotAcceptable;
            return;
        }

        byte[] packed = Gzip(body);
        context.Response.Headers.ContentEncoding = "gzip";
        context.Response.ContentLength = packed.Length;
        await context.Response.Body.WriteAsync(packed);
    });

    public static byte[] Gzip(byte[] body)
    {
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Fastest))
        {
            gzip.Write(body);
        }

        return packed.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        Requests.Enqueue((request.Path.Value ?? string.Empty, Header(request.Headers.IfNoneMatch), Header(request.Headers.IfModifiedSince),
            Header(request.Headers.AcceptEncoding), Header(request.Headers.UserAgent)));
        if (_routes.TryGetValue(request.Path.Value ?? string.Empty, out Func<HttpContext, Task>? handler))
        {
            await handler(context);
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }

    private static string? Header(Microsoft.Extensions.Primitives.StringValues values) => values.Count == 0 ? null : values.ToString();
}
